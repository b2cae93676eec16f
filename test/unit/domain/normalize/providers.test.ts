import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { enrichDraft } from '../../../../src/domain/enrich/pipeline';
import type { CanonicalEvent, RawEnvelope } from '../../../../src/domain/event';
import { normalize } from '../../../../src/domain/normalize';
import { SchemaRegistry } from '../../../../src/domain/schema-registry';
import { enrichUnderTest } from '../../../helpers/enrich';
import { providerEnvelope } from '../../../helpers/envelopes';

const fixtures = JSON.parse(
  readFileSync(join(__dirname, '../../../fixtures/real/stripe/fixtures.json'), 'utf8'),
) as Record<string, Record<string, unknown>>;
const { deps } = enrichUnderTest();
const registry = SchemaRegistry.default();

const env = providerEnvelope;

/** Normalize + enrich + validate: what the enrich stage does with each envelope. */
function canonicalOf(e: RawEnvelope): CanonicalEvent[] {
  const out = normalize(e);
  if (!out.ok) throw new Error(`${out.reason}: ${out.detail}`);
  return out.events.map((d) => {
    const c = enrichDraft(d, e, deps.enrich);
    const v = registry.validate(c.type, c);
    if (!v.ok) throw new Error(`invalid ${c.type}: ${JSON.stringify(v.errors)}`);
    return c;
  });
}

const stripe = (type: string, object: Record<string, unknown>) =>
  env('stripe', { id: `evt_${type}`, object: 'event', type, created: 1767261600, data: { object } });

describe('Stripe normalizer on Stripe sample objects', () => {
  it('charge.succeeded → order_completed in minor units, keyed by PaymentIntent when present', () => {
    const charge = {
      ...fixtures.charge,
      customer: 'cus_QXg1o8vcGmoR32',
      billing_details: { email: 'Jenny@Example.com' },
    };
    const [e] = canonicalOf(stripe('charge.succeeded', charge));
    expect(e).toMatchObject({
      type: 'order_completed',
      eventId: 'evt_charge.succeeded',
      event: 'charge.succeeded',
      source: 'stripe',
      originalTimestamp: '2026-01-01T10:00:00.000Z',
      properties: {
        orderId: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
        amount: 100,
        currency: 'USD',
        provider: 'stripe',
      },
    });
    expect(e?.identities).toEqual(
      expect.arrayContaining([
        { type: 'stripe_customer', value: 'cus_QXg1o8vcGmoR32' },
        expect.objectContaining({ type: 'email_hash' }),
      ]),
    );
    expect(JSON.stringify(e)).not.toContain('Jenny@Example.com');
  });

  it('invoice.paid and a completed checkout session → order_completed', () => {
    const [inv] = canonicalOf(
      stripe('invoice.paid', { ...fixtures.invoice, amount_paid: 1000, status: 'paid' }),
    );
    expect(inv?.properties).toMatchObject({
      orderId: 'in_1Pgc6tB7WZ01zgkWu9fdqL6I',
      amount: 1000,
      currency: 'USD',
    });
    expect(inv?.identities).toContainEqual({ type: 'stripe_customer', value: 'cus_QXg1o8vcGmoR32' });
    const session = {
      ...fixtures['checkout.session'],
      amount_total: 2500,
      currency: 'eur',
      customer: 'cus_1',
    };
    const [cs] = canonicalOf(stripe('checkout.session.completed', session));
    expect(cs?.properties).toMatchObject({
      orderId: 'pi_1PgafyB7WZ01zgkWSjxsAJo3',
      amount: 2500,
      currency: 'EUR',
    });
  });

  it('the sample checkout session has no amount_total: it is a schema violation, not a crash', () => {
    const out = normalize(
      stripe('checkout.session.completed', fixtures['checkout.session'] as Record<string, unknown>),
    );
    expect(out).toMatchObject({ ok: false, reason: 'schema_violation' });
  });

  it('charge.refunded → order_refunded; customer.created → identify; subscriptions → track', () => {
    const refunded = { ...fixtures.charge, amount_refunded: 100, refunds: { data: [fixtures.refund] } };
    expect(canonicalOf(stripe('charge.refunded', refunded))[0]).toMatchObject({
      type: 'order_refunded',
      properties: { refundId: 're_1Pgc72B7WZ01zgkWqPvrRrPE', amount: 100, currency: 'USD' },
    });
    const [c] = canonicalOf(stripe('customer.created', { ...fixtures.customer, email: 'a@b.co' }));
    expect(c).toMatchObject({ type: 'identify' });
    expect(c?.identities.map((i) => i.type).sort()).toEqual(['email_hash', 'stripe_customer']);
    expect(
      canonicalOf(
        stripe('customer.subscription.updated', fixtures.subscription as Record<string, unknown>),
      )[0],
    ).toMatchObject({
      type: 'track',
      event: 'customer.subscription.updated',
      properties: { subscriptionId: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw', status: 'active' },
    });
  });

  it('unknown event types are unknown_type (quarantined raw)', () => {
    expect(normalize(stripe('plan.created', {}))).toMatchObject({ ok: false, reason: 'unknown_type' });
  });
});

describe('other providers', () => {
  it('Shopify orders/create: decimal prices → minor units, JPY has no decimals', () => {
    const order = {
      id: 450789469,
      email: 'bob@example.com',
      created_at: '2026-01-01T09:00:00-05:00',
      currency: 'JPY',
      total_price: '1980',
      total_tax: '180',
      customer: { id: 207119551 },
      line_items: [
        { product_id: 632910392, sku: 'IPOD2008PINK', title: 'IPod Nano', price: '990', quantity: 2 },
      ],
    };
    const [e] = canonicalOf(
      env('shopify', order, { headers: { 'x-shopify-topic': 'orders/create' }, eventId: 'shop-1' }),
    );
    expect(e).toMatchObject({
      type: 'order_completed',
      eventId: 'shop-1',
      originalTimestamp: '2026-01-01T14:00:00.000Z',
      properties: { orderId: '450789469', amount: 1980, currency: 'JPY', tax: 180, itemCount: 2 },
    });
    expect(e?.identities).toContainEqual({ type: 'shopify_customer', value: '207119551' });
    const refund = {
      id: 509562969,
      order_id: 450789469,
      transactions: [{ kind: 'refund', amount: '41.94', currency: 'USD' }],
    };
    expect(
      canonicalOf(
        env('shopify', refund, { headers: { 'x-shopify-topic': 'refunds/create' }, eventId: 'shop-2' }),
      )[0]?.properties,
    ).toMatchObject({
      orderId: '450789469',
      amount: 4194,
    });
  });

  it('Zendesk ticket solved with a good rating → support_ticket with CSAT', () => {
    const [e] = canonicalOf(
      env('zendesk', {
        id: 'z1',
        type: 'zen:event-type:ticket.status_changed',
        time: '2026-01-01T09:00:00Z',
        detail: {
          id: 7,
          status: 'SOLVED',
          requester_id: 42,
          satisfaction_rating: { score: 'good' },
          requester: { email: 'c@d.io' },
        },
      }),
    );
    expect(e?.properties).toMatchObject({
      ticketId: '7',
      action: 'solved',
      status: 'solved',
      satisfaction: 'good',
      satisfactionScore: 1,
    });
    expect(e?.identities).toContainEqual({ type: 'zendesk_user', value: '42' });
  });

  it('HubSpot batch → one crm_contact per event; email property becomes a hashed identity', () => {
    const events = canonicalOf(
      env('hubspot', [
        { eventId: 1, subscriptionType: 'contact.creation', objectId: 123, occurredAt: 1767261600000 },
        {
          eventId: 2,
          subscriptionType: 'contact.propertyChange',
          objectId: 123,
          propertyName: 'email',
          propertyValue: 'x@y.com',
          occurredAt: 1767261600000,
        },
      ]),
    );
    // HubSpot's eventId as sent (the event key adds the namespace: hubspot:1).
    expect(events.map((e) => [e.eventId, e.event])).toEqual([
      ['1', 'contact.created'],
      ['2', 'contact.property_change'],
    ]);
    expect(events[1]?.identities.map((i) => i.type).sort()).toEqual(['email_hash', 'hubspot_contact']);
  });

  it('HubSpot property changes: a personal property (phone, name) is never stored in clear; others keep newValue', () => {
    const change = (eventId: number, propertyName: string, propertyValue: string) => ({
      eventId,
      subscriptionType: 'contact.propertyChange',
      objectId: 123,
      propertyName,
      propertyValue,
      occurredAt: 1767261600000,
    });
    const events = canonicalOf(
      env('hubspot', [
        change(3, 'mobilephone', '4155550100'),
        change(4, 'firstname', 'Grace'),
        change(5, 'hs_lead_status', 'DEAL'),
      ]),
    );
    const text = JSON.stringify(events);
    expect(text).not.toContain('4155550100');
    expect(text).not.toContain('Grace');
    expect(events[0]?.traits.mobilephone).toMatch(/^phone:[0-9a-f]{64}$/);
    expect(events[1]?.traits.firstname).toMatch(/^name:[0-9a-f]{64}$/);
    expect(events[2]?.properties).toMatchObject({ changedProperty: 'hs_lead_status', newValue: 'DEAL' });
  });

  it('AppsFlyer and Adjust postbacks → ad_attribution with cost in minor units; the raw fields are kept', () => {
    const [af] = canonicalOf(
      env('appsflyer', {
        event_name: 'af_purchase',
        appsflyer_id: 'af-1',
        advertising_id: 'gaid-1',
        customer_user_id: 'u-9',
        media_source: 'googleadwords_int',
        campaign: 'spring',
        event_revenue: '12.50',
        event_revenue_currency: 'EUR',
        af_cost_value: '0.35',
        af_cost_currency: 'USD',
        event_time: '2026-01-01 09:30:00.000',
        custom: 'kept',
      }),
    );
    expect(af).toMatchObject({
      type: 'ad_attribution',
      userId: 'u-9',
      properties: {
        network: 'appsflyer',
        action: 'conversion',
        revenueAmount: 1250,
        revenueCurrency: 'EUR',
        costAmount: 35,
        raw: { custom: 'kept' },
      },
    });
    const [adj] = canonicalOf(
      env('adjust', {
        activity_kind: 'install',
        adid: 'adj-1',
        idfa: 'IDFA-1',
        network_name: 'Facebook',
        created_at: '1767261600',
      }),
    );
    expect(adj).toMatchObject({
      properties: { action: 'install', mediaSource: 'Facebook' },
      originalTimestamp: '2026-01-01T10:00:00.000Z',
    });
    expect(adj?.identities).toEqual(
      expect.arrayContaining([
        { type: 'device_id', value: 'adj-1' },
        { type: 'advertising_id', value: 'IDFA-1' },
      ]),
    );
  });
});

describe('provider timestamps', () => {
  it('reads epoch milliseconds from before 2001 as milliseconds (HubSpot occurredAt)', () => {
    const [e] = canonicalOf(
      env('hubspot', [
        {
          eventId: 9,
          subscriptionType: 'contact.creation',
          objectId: 1,
          occurredAt: Date.parse('1997-01-01T08:00:00Z'),
        },
      ]),
    );
    expect(e?.originalTimestamp).toBe('1997-01-01T08:00:00.000Z');
  });
});
