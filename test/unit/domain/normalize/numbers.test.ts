import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { enrichDraft } from '../../../../src/domain/enrich/pipeline';
import type { RawEnvelope } from '../../../../src/domain/event';
import { isJunkIdentityValue } from '../../../../src/domain/identity';
import { parseInstant } from '../../../../src/domain/instant';
import { parseJsonLossless } from '../../../../src/domain/json';
import {
  CURRENCIES,
  currenciesCsv,
  currencyExponent,
  normalizeCurrency,
  toMinorUnits,
} from '../../../../src/domain/money';
import { normalize } from '../../../../src/domain/normalize';
import { stripeOrderId } from '../../../../src/sources/stripe/normalize';
import { enrichUnderTest } from '../../../helpers/enrich';
import { providerEnvelope } from '../../../helpers/envelopes';

/** The defects of "correct numbers from real-world payloads", each pinned by a test. */
const stripe = JSON.parse(
  readFileSync(join(__dirname, '../../../fixtures/real/stripe/fixtures.json'), 'utf8'),
) as Record<string, Record<string, unknown>>;

const env = providerEnvelope;
const drafts = (e: RawEnvelope) => {
  const out = normalize(e);
  if (!out.ok) throw new Error(`${out.reason}: ${out.detail}`);
  return out.events;
};

describe('ids above 2^53', () => {
  it('keep every digit through the lossless parse (JSON.parse would round them)', () => {
    const text = '{"id":820982911946154508,"customer":{"id":115310627314723954},"total":"254.98","n":3}';
    expect(String(JSON.parse(text).id)).not.toBe('820982911946154508');
    expect(parseJsonLossless(text)).toEqual({
      id: '820982911946154508',
      customer: { id: '115310627314723954' },
      total: '254.98',
      n: 3,
    });
  });
  it('two Shopify orders one apart stay two orders', () => {
    const a = parseJsonLossless('{"id":820982911946154508,"currency":"EUR","total_price":"1.00"}');
    const b = parseJsonLossless('{"id":820982911946154509,"currency":"EUR","total_price":"1.00"}');
    const ids = [a, b].map(
      (p) =>
        drafts(env('shopify', p, { headers: { 'x-shopify-topic': 'orders/paid' } }))[0]?.properties.orderId,
    );
    expect(ids).toEqual(['820982911946154508', '820982911946154509']);
  });
});

describe('money', () => {
  it('knows every ISO-4217 exponent and rejects codes that are not ISO-4217', () => {
    expect([
      currencyExponent('USD'),
      currencyExponent('JPY'),
      currencyExponent('KWD'),
      currencyExponent('CLF'),
    ]).toEqual([2, 0, 3, 4]);
    expect(Object.keys(CURRENCIES).length).toBeGreaterThan(150);
    expect(() => currencyExponent('ABC')).toThrow('ISO-4217');
    expect(normalizeCurrency(' usd ')).toBe('USD');
    expect(normalizeCurrency('ABC')).toBeNull();
    expect(normalizeCurrency(undefined)).toBeNull();
    expect(normalizeCurrency(undefined, 'eur')).toBe('EUR');
  });
  it('converts decimal text to minor units exactly, never through floating-point products', () => {
    // 1.005 * 100 = 100.49999999999999 in floating point; the decimal text means 100.5 → 101.
    expect(Math.round(1.005 * 100)).toBe(100);
    expect(toMinorUnits('1.005', 'USD')).toBe(101);
    expect(toMinorUnits('19.99', 'USD')).toBe(1999);
    expect(toMinorUnits(19.99, 'USD')).toBe(1999);
    expect(toMinorUnits('1000', 'JPY')).toBe(1000);
    expect(toMinorUnits('1.2345', 'KWD')).toBe(1235);
    expect(toMinorUnits('92233720368547758.07', 'USD')).toBeNull();
    expect(toMinorUnits('ten', 'USD')).toBeNull();
    expect(toMinorUnits('1.00', null)).toBeNull();
  });
  it('the SQL reference table is rendered from the same definition', () => {
    expect(readFileSync(join(__dirname, '../../../../sql/reference/currencies.csv'), 'utf8')).toBe(
      currenciesCsv(),
    );
  });
  it('an order without a currency is quarantined unless its source has an explicit default', () => {
    const seg = (extra: Partial<RawEnvelope> = {}) =>
      normalize({
        v: 1,
        kind: 'segment',
        source: 'backend',
        trust: 'server',
        receivedAt: '2026-01-01T10:00:00.000Z',
        requestId: 'r',
        payload: {
          type: 'track',
          event: 'Order Completed',
          messageId: 'm1',
          userId: 'u',
          properties: { order_id: 'o1', total: 10 },
        },
        ...extra,
      });
    expect(seg()).toMatchObject({
      ok: false,
      reason: 'schema_violation',
      detail: expect.stringContaining('/properties/currency'),
    });
    expect(seg({ defaultCurrency: 'EUR' })).toMatchObject({
      ok: true,
      events: [{ type: 'order_completed', properties: { orderId: 'o1', amount: 1000, currency: 'EUR' } }],
    });
  });
});

describe('time zones', () => {
  it('a date-time without a zone is UTC, whatever the host zone', () => {
    expect(new Date(parseInstant('2020-01-15 14:57:24.898') ?? 0).toISOString()).toBe(
      '2020-01-15T14:57:24.898Z',
    );
    expect(new Date(parseInstant('2020-01-15T14:57:24') ?? 0).toISOString()).toBe('2020-01-15T14:57:24.000Z');
    expect(new Date(parseInstant('2020-01-15 14:57:24 UTC') ?? 0).toISOString()).toBe(
      '2020-01-15T14:57:24.000Z',
    );
    expect(new Date(parseInstant('2022-04-05T16:54:56+02:00') ?? 0).toISOString()).toBe(
      '2022-04-05T14:54:56.000Z',
    );
    const af = drafts(
      env('appsflyer', {
        event_name: 'af_purchase',
        event_time: '2020-01-15 14:57:24.898',
        appsflyer_id: 'x',
      }),
    );
    expect(af[0]?.originalTimestamp).toBe('2020-01-15T14:57:24.898Z');
  });
});

describe('Stripe', () => {
  it('one payment resolves to one order through expanded objects', () => {
    const pi = 'pi_3MtwBwLkdIwHu7ix28a3tqPa';
    // invoice.paid with no top-level payment_intent: the expanded charge or the payments list has it.
    expect(
      stripeOrderId({
        ...stripe.invoice,
        id: 'in_1',
        object: 'invoice',
        payment_intent: null,
        charge: { id: 'ch_1', payment_intent: pi },
      }),
    ).toBe(pi);
    expect(
      stripeOrderId({
        id: 'in_2',
        object: 'invoice',
        payments: { data: [{ payment: { type: 'payment_intent', payment_intent: pi } }] },
      }),
    ).toBe(pi);
    expect(stripeOrderId({ ...stripe.charge, payment_intent: { id: pi, object: 'payment_intent' } })).toBe(
      pi,
    );
    expect(stripeOrderId({ id: pi, object: 'payment_intent' })).toBe(pi);
    expect(stripeOrderId({ id: 'cs_1', object: 'checkout.session', payment_intent: pi })).toBe(pi);
    // No PaymentIntent anywhere: the invoice is the order.
    expect(stripeOrderId({ id: 'in_3', object: 'invoice', payment_intent: null })).toBe('in_3');
  });
  it('failed and uncaptured charges are orders that are not paid', () => {
    const status = (type: string, o: Record<string, unknown>) =>
      drafts(
        env('stripe', {
          id: `evt_${type}`,
          type,
          created: 1767261600,
          data: { object: { ...stripe.charge, ...o } },
        }),
      )[0]?.properties.status;
    expect(status('charge.failed', {})).toBe('failed');
    expect(status('charge.succeeded', { captured: false })).toBe('authorized');
    expect(status('charge.succeeded', { captured: true })).toBe('paid');
  });
  it('charge.refunded yields one event per refund (its own amount, keyed by refund id) and the cumulative amount_refunded as a record of its own, never summed with them', () => {
    const refund = (id: string, amount: number) => ({ ...stripe.refund, id, amount });
    const events = drafts(
      env('stripe', {
        id: 'evt_r',
        type: 'charge.refunded',
        created: 1767261600,
        data: {
          object: {
            ...stripe.charge,
            amount_refunded: 2500,
            refunds: { data: [refund('re_2', 1500), refund('re_1', 1000)] },
          },
        },
      }),
    );
    // gold nets the greater of the refunds' sum and the latest total (sql/gold/fact_orders.sql).
    expect(events.map((e) => [e.eventId, e.properties.refundId, e.properties.amount])).toEqual([
      ['refund:re_2', 're_2', 1500],
      ['refund:re_1', 're_1', 1000],
      ['evt_r', `cumulative:${stripe.charge?.id}`, 2500],
    ]);
  });
  it('refund.updated and charge.refund.updated carry the refund state', () => {
    const [e] = drafts(
      env('stripe', {
        id: 'evt_u',
        type: 'charge.refund.updated',
        created: 1767261600,
        data: { object: { ...stripe.refund, id: 're_9', status: 'failed' } },
      }),
    );
    expect(e?.properties).toMatchObject({ refundId: 're_9', status: 'failed' });
  });
});

describe('Shopify', () => {
  it('orders/create, orders/paid, orders/updated of one order are one orderId; voided or cancelled is not paid', () => {
    const order = { id: 1001, currency: 'USD', total_price: '10.00', updated_at: '2026-01-01T10:00:00Z' };
    const of = (topic: string, o: Record<string, unknown>) =>
      drafts(env('shopify', { ...order, ...o }, { headers: { 'x-shopify-topic': topic } }))[0]?.properties;
    expect(of('orders/create', { financial_status: 'pending' })).toMatchObject({
      orderId: '1001',
      status: 'pending',
    });
    expect(of('orders/paid', { financial_status: 'paid' })).toMatchObject({
      orderId: '1001',
      status: 'paid',
    });
    expect(of('orders/updated', { financial_status: 'voided' })).toMatchObject({
      orderId: '1001',
      status: 'voided',
    });
    expect(
      of('orders/updated', { financial_status: 'paid', cancelled_at: '2026-01-02T00:00:00Z' }),
    ).toMatchObject({
      status: 'cancelled',
    });
    expect(of('orders/cancelled', {})).toMatchObject({ status: 'cancelled' });
  });
});

describe('HubSpot, event by event', () => {
  it('understands eventType, object.* with objectTypeId, deletion, merge and association changes', () => {
    const out = normalize(
      env('hubspot', [
        { eventId: 1, eventType: 'contact.creation', objectId: 11, occurredAt: 1767261600000 },
        {
          eventId: 2,
          subscriptionType: 'object.creation',
          objectTypeId: '0-1',
          objectId: 12,
          occurredAt: 1767261600000,
        },
        {
          eventId: 3,
          subscriptionType: 'object.propertyChange',
          objectTypeId: '0-1',
          objectId: 12,
          propertyName: 'lifecyclestage',
          propertyValue: 'Customer',
        },
        { eventId: 4, subscriptionType: 'contact.deletion', objectId: 13 },
        {
          eventId: 5,
          subscriptionType: 'contact.merge',
          objectId: 14,
          primaryObjectId: 14,
          mergedObjectIds: [15, 16],
          newObjectId: 17,
        },
        {
          eventId: 6,
          subscriptionType: 'contact.associationChange',
          associationType: 'CONTACT_TO_COMPANY',
          fromObjectId: 18,
          toObjectId: 99,
        },
        { eventId: 7, subscriptionType: 'deal.creation', objectId: 77 },
      ]),
    );
    if (!out.ok) throw new Error(out.detail);
    expect(out.events.map((e) => [e.event, e.properties.contactId])).toEqual([
      ['contact.created', '11'],
      ['contact.created', '12'],
      ['contact.property_change', '12'],
      ['contact.deleted', '13'],
      ['contact.merged', '14'],
      ['contact.association_change', '18'],
    ]);
    expect(out.events[2]?.properties.lifecycleStage).toBe('customer');
    // A merge links the merged contacts to the survivor.
    expect(out.events[4]?.identities.map((i) => i.value)).toEqual(['14', '15', '16', '17']);
    expect(out.rejected).toEqual([expect.objectContaining({ at: '/6', reason: 'unknown_type' })]);
  });
});

describe('ad networks', () => {
  it('Adjust: the activity kind comes from the payload; without one, an event only when it names one', () => {
    const kind = (p: Record<string, unknown>) => {
      const out = normalize(env('adjust', { adid: 'a1', created_at: '1767261600', ...p }));
      return out.ok ? out.events[0]?.properties.action : out.detail;
    };
    expect(kind({ activity_kind: 'install' })).toBe('install');
    expect(kind({ activity_kind: 'reattribution' })).toBe('reattribution');
    expect(kind({ activity_kind: 'session' })).toBe('session');
    expect(kind({ activity_kind: 'click' })).toBe('click');
    expect(kind({ activity_kind: 'event', event_name: 'purchase' })).toBe('in_app_event');
    expect(kind({ event_token: 'abc123' })).toBe('in_app_event');
    expect(kind({})).toContain('activity_kind is required');
  });
  it('revenue without a currency is quarantined (AppsFlyer documents USD as its default)', () => {
    expect(normalize(env('adjust', { activity_kind: 'event', revenue: '9.99', adid: 'a' }))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('revenue needs an ISO-4217 currency'),
    });
    expect(
      drafts(env('appsflyer', { event_name: 'af_purchase', event_revenue: '9.99', appsflyer_id: 'x' }))[0]
        ?.properties,
    ).toMatchObject({
      revenueAmount: 999,
      revenueCurrency: 'USD',
    });
  });
});

describe('enums', () => {
  it('one normalization for every enum: Zendesk priority and status alike', () => {
    const [t] = drafts(
      env('zendesk', {
        id: 'z1',
        type: 'zen:event-type:ticket.created',
        detail: { id: '5', status: 'Open', priority: 'LOW', via: { channel: 'Web' } },
      }),
    );
    expect(t?.properties).toMatchObject({ status: 'open', priority: 'low', channel: 'web' });
  });
});

describe('identity keys', () => {
  const { deps } = enrichUnderTest();
  const enrich = (
    traits: Record<string, unknown>,
    properties: Record<string, unknown> = {},
    ids: { type: 'advertising_id' | 'user_id'; value: string }[] = [],
  ) => {
    const e: RawEnvelope = {
      v: 1,
      kind: 'segment',
      source: 'web',
      receivedAt: '2026-01-01T10:00:00.000Z',
      requestId: 'r',
      payload: { type: 'identify', messageId: 'm', anonymousId: 'anon-1', traits, properties },
    };
    const [d] = drafts(e);
    if (!d) throw new Error('no draft');
    d.identities.push(...ids);
    return enrichDraft(d, e, deps.enrich)
      .identities.map((i) => i.type)
      .sort();
  };
  it('only identity-bearing fields become keys: not an email found in properties or free text', () => {
    expect(enrich({ email: 'ada@shop.example' })).toEqual(['anonymous_id', 'email_hash']);
    expect(enrich({ note: 'ask bob@shop.example' }, { referrer: 'carol@shop.example' })).toEqual([
      'anonymous_id',
    ]);
  });
  it('junk values never become keys', () => {
    expect(enrich({ email: 'test@test.com' })).toEqual(['anonymous_id']);
    expect(
      enrich({}, {}, [{ type: 'advertising_id', value: '00000000-0000-0000-0000-000000000000' }]),
    ).toEqual(['anonymous_id']);
    expect(enrich({}, {}, [{ type: 'user_id', value: 'undefined' }])).toEqual(['anonymous_id']);
    expect(isJunkIdentityValue('user_id', 'null')).toBe(true);
    expect(isJunkIdentityValue('email', 'ada@shop.example')).toBe(false);
  });
  it('alias keys previousId both ways so it joins the earlier events whatever they carried', () => {
    const [d] = drafts({
      v: 1,
      kind: 'segment',
      source: 'web',
      receivedAt: '2026-01-01T10:00:00.000Z',
      requestId: 'r',
      payload: { type: 'alias', messageId: 'm', userId: 'u-1', previousId: 'anon-9' },
    });
    expect(d?.identities).toEqual(
      expect.arrayContaining([
        { type: 'user_id', value: 'u-1' },
        { type: 'anonymous_id', value: 'anon-9' },
        { type: 'user_id', value: 'anon-9' },
      ]),
    );
  });
});
