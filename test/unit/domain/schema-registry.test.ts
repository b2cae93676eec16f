import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import addFormats from 'ajv-formats';
import { EVENT_TYPES } from '../../../src/domain/event';
import { renderValidatorsModule, VALIDATORS_MODULE } from '../../../src/domain/schema-codegen';
import { isDateTime, SchemaRegistry } from '../../../src/domain/schema-registry';
import { canonical } from '../../helpers/canonical';

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

  it('validates with precompiled code that is current (else: node scripts/build.mjs && node dist/gen-validators.mjs)', () => {
    expect(readFileSync(join(__dirname, '../../..', VALIDATORS_MODULE), 'utf8')).toBe(
      renderValidatorsModule(),
    );
  });

  it('checks date-times exactly as ajv-formats does (calendar days, leap years, leap seconds, zones)', () => {
    const reference = (addFormats.get('date-time', 'full') as { validate: (s: string) => boolean }).validate;
    const pad = (v: number, w = 2) => String(v).padStart(w, '0');
    const samples: string[] = [];
    for (const year of [1900, 2000, 2023, 2024, 2100])
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 28, 29, 30, 31, 32])
          samples.push(`${year}-${pad(month)}-${pad(day)}T12:00:00Z`);
    for (const hour of [0, 12, 23, 24, 99])
      for (const minute of [0, 59, 60])
        for (const second of ['00', '59', '59.999', '60', '60.5', '61'])
          samples.push(`2026-06-30T${pad(hour)}:${pad(minute)}:${second}Z`);
    // Forms outside the fast path: offsets, lower case, a space, no zone, garbage.
    samples.push(
      '2026-06-30T23:59:60+00:00',
      '2026-06-30T23:59:60-01:00',
      '2026-06-30t10:00:00z',
      '2026-06-30 10:00:00Z',
      '2026-06-30T10:00:00',
      '2026-06-30T10:00Z',
      '2026-06-30T10:00:00.Z',
      '2026-6-30T10:00:00Z',
      'not a date',
      '',
    );
    const disagree = samples.filter((s) => isDateTime(s) !== reference(s));
    expect(disagree).toEqual([]);
    // Both outcomes occur (the comparison is not vacuous).
    expect(samples.filter((s) => isDateTime(s)).length).toBeGreaterThan(100);
    expect(samples.filter((s) => !isDateTime(s)).length).toBeGreaterThan(100);
  });

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
