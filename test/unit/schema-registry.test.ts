import { EVENT_TYPES } from '../../src/domain/event';
import { SchemaRegistry } from '../../src/domain/schema-registry';
import { canonical } from '../helpers/canonical';

const VALID_PROPERTIES: Record<string, Record<string, unknown>> = {
  order_completed: { orderId: 'o1', amount: 1999, currency: 'USD', status: 'paid', itemCount: 1 },
  order_refunded: { orderId: 'o1', refundId: 'r1', amount: 500, currency: 'EUR' },
  support_ticket: { ticketId: 't1', action: 'created', status: 'new', satisfaction: null },
  social_mention: { mentionId: 'm1', platform: 'twitter', sentiment: 'negative', sentimentScore: -0.8 },
  crm_contact: { contactId: 'c1', lifecycleStage: 'lead' },
  ad_attribution: { network: 'appsflyer', action: 'install', mediaSource: 'facebook', costAmount: 120 },
};

describe('SchemaRegistry', () => {
  const registry = SchemaRegistry.default();

  it('has one schema per canonical event type', () => {
    expect(registry.types().sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EVENT_TYPES)('accepts a valid %s event', (type) => {
    const event = canonical({ type, properties: VALID_PROPERTIES[type] ?? {} });
    expect(registry.validate(type, event)).toEqual({ ok: true });
  });

  it('names the field and rule of each violation', () => {
    const event = canonical({
      type: 'order_completed',
      properties: { orderId: 'o1', amount: 19.99, currency: 'usd' },
    });
    const result = registry.validate('order_completed', event);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/properties/amount', rule: 'type' }),
        expect.objectContaining({ path: '/properties/currency', rule: 'pattern' }),
      ]),
    );
  });

  it('reports missing required properties with their path', () => {
    const result = registry.validate('support_ticket', canonical({ type: 'support_ticket', properties: {} }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['/properties/ticketId', '/properties/action', '/properties/status']),
    );
  });

  it('requires a track event name and a known identity', () => {
    const noName = registry.validate('track', canonical({ event: null }));
    expect(noName.ok).toBe(false);
    const anonymous = registry.validate(
      'track',
      canonical({ userId: null, anonymousId: null, identities: [] }),
    );
    expect(anonymous.ok).toBe(false);
  });

  it('rejects timestamps that are not ISO-8601 date-times', () => {
    const result = registry.validate('page', canonical({ type: 'page', timestamp: 'yesterday' }));
    expect(result).toEqual({
      ok: false,
      errors: [expect.objectContaining({ path: '/timestamp', rule: 'format' })],
    });
  });

  it('rejects an unknown type by name', () => {
    expect(registry.validate('purchase', {})).toEqual({
      ok: false,
      errors: [{ path: '/type', rule: 'enum', message: 'unknown event type "purchase"' }],
    });
  });
});
