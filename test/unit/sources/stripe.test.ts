import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawEnvelope } from '../../../src/domain/event';
import { normalize } from '../../../src/domain/normalize';
import type { CanonicalDraft } from '../../../src/domain/normalize/types';
import { providerEnvelope } from '../../helpers/envelopes';

/**
 * Stripe across API versions (issue 28, defect 1): the shapes of versions before and after
 * 2022-11-15 (charge.refunded no longer embeds refunds) and of invoice lines before prices.
 * Payloads: test/fixtures/real/stripe/ (SOURCES.md).
 */
const REAL = join(__dirname, '../../fixtures/real/stripe');
const json = (f: string) => JSON.parse(readFileSync(join(REAL, f), 'utf8'));
const current = json('fixtures.json') as Record<string, Record<string, unknown>>;
const drafts = (e: RawEnvelope): CanonicalDraft[] => {
  const out = normalize(e);
  if (!out.ok) throw new Error(`${out.reason}: ${out.detail}`);
  return out.events;
};
const refunds = (ds: CanonicalDraft[]) =>
  ds.map((d) => ({
    eventId: d.eventId,
    refundId: d.properties.refundId,
    amount: d.properties.amount,
    currency: d.properties.currency,
    status: d.properties.status,
  }));

describe('Stripe charge.refunded by API version', () => {
  it('2016-07-06: each embedded refund once by its id, and the charge cumulative total', () => {
    const event = json('charge-refunded-2016-07-06.json');
    const charge = event.data.object;
    const [refund] = charge.refunds.data;
    const out = drafts(providerEnvelope('stripe', event));
    expect(refunds(out)).toEqual([
      {
        eventId: `refund:${refund.id}`,
        refundId: refund.id,
        amount: refund.amount,
        currency: 'ILS',
        status: 'succeeded',
      },
      {
        eventId: event.id,
        refundId: `cumulative:${charge.id}`,
        amount: charge.amount_refunded,
        currency: 'ILS',
        status: 'succeeded',
      },
    ]);
    expect(out.every((d) => d.properties.orderId === charge.id)).toBe(true);
    expect(out[1]?.properties.stripeApiVersion).toBe(event.api_version);
  });

  it('2022-11-15 on: no refunds list, the cumulative amount_refunded is the refund (was quarantined)', () => {
    const charge = { ...current.charge, amount: 5000, amount_refunded: 2500, refunded: false } as Record<
      string,
      unknown
    >;
    delete charge.refunds; // not embedded since 2022-11-15 (only when expanded)
    const event = {
      id: 'evt_new_1',
      object: 'event',
      api_version: '2024-06-20',
      type: 'charge.refunded',
      created: 1767261600,
      data: { object: charge },
    };
    expect(refunds(drafts(providerEnvelope('stripe', event)))).toEqual([
      {
        eventId: 'evt_new_1',
        refundId: `cumulative:${charge.id}`,
        amount: 2500,
        currency: 'USD',
        status: 'succeeded',
      },
    ]);
  });

  it('a charge.refunded with neither refunds nor an amount is quarantined naming the field', () => {
    const event = {
      id: 'evt_x',
      type: 'charge.refunded',
      created: 1767261600,
      data: { object: { ...current.charge, amount_refunded: 0 } },
    };
    expect(normalize(providerEnvelope('stripe', event))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('/data/object/amount_refunded'),
    });
  });

  it("refund.* states carry the event's time, so a later failure replaces an earlier success whatever the arrival order", () => {
    const refund = { ...current.refund, id: 're_1', amount: 1000, status: 'failed', created: 1767261000 };
    const [d] = drafts(
      providerEnvelope('stripe', {
        id: 'evt_f',
        type: 'refund.failed',
        created: 1767261600,
        data: { object: refund },
      }),
    );
    expect(d?.properties).toMatchObject({
      refundId: 're_1',
      status: 'failed',
      stateAt: new Date(1767261600_000).toISOString(),
    });
    expect(d?.originalTimestamp).toBe(new Date(1767261000_000).toISOString());
  });
});

describe('Stripe invoice lines by API version', () => {
  it('a 2019 line with a plan and no price yields the plan product and its amount, not the line id', () => {
    const invoice = json('invoice-plan-line-2019.json');
    const line = invoice.lines.data[0];
    const [order] = drafts(
      providerEnvelope('stripe', {
        id: 'evt_inv',
        type: 'invoice.paid',
        created: 1507273919,
        data: { object: invoice },
      }),
    );
    expect(order?.properties.items).toEqual([
      {
        productId: line.plan.product,
        name: line.description,
        price: line.plan.amount,
        quantity: line.quantity,
      },
    ]);
  });

  it('a line of a plan that predates products names the plan', () => {
    const invoice = json('invoice-plan-line-2019.json');
    const line = { ...invoice.lines.data[0], plan: { ...invoice.lines.data[0].plan, product: undefined } };
    const [order] = drafts(
      providerEnvelope('stripe', {
        id: 'evt_inv2',
        type: 'invoice.paid',
        created: 1507273919,
        data: { object: { ...invoice, lines: { data: [line] } } },
      }),
    );
    expect((order?.properties.items as { productId: string }[] | undefined)?.[0]?.productId).toBe(
      line.plan.id,
    );
  });
});

describe('Stripe refunds that cannot be valued are quarantined naming where and why', () => {
  const charge = { ...current.charge, amount_refunded: 0 } as Record<string, unknown>;
  const out = (type: string, object: Record<string, unknown>) =>
    normalize(providerEnvelope('stripe', { id: 'evt_q', type, created: 1767261600, data: { object } }));
  it('an embedded refund without an amount, a total without a currency, a refund event without one', () => {
    expect(
      out('charge.refunded', { ...charge, refunds: { data: [{ id: 're_x', currency: 'usd' }] } }),
    ).toEqual({
      ok: false,
      reason: 'schema_violation',
      detail: 'stripe: /data/object/refunds/data refund re_x has no amount',
      errors: [{ path: '/data/object/refunds/data', rule: 'required', message: 'refund re_x has no amount' }],
    });
    expect(out('charge.refunded', { ...charge, currency: null, amount_refunded: 500 })).toMatchObject({
      ok: false,
      errors: [
        {
          path: '/data/object/amount_refunded',
          message: expect.stringContaining('has no ISO-4217 currency'),
        },
      ],
    });
    expect(out('refund.created', { ...current.refund, currency: null })).toMatchObject({
      ok: false,
      errors: [{ path: '/data/object', message: `refund ${current.refund?.id} has no ISO-4217 currency` }],
    });
  });

  it("a refund's defaults: its order's refund when it has no id, succeeded when no status, the customer's identity", () => {
    const [d] = drafts(
      providerEnvelope('stripe', {
        id: 'evt_d',
        type: 'refund.created',
        created: 1767261600,
        data: { object: { amount: 700, currency: 'eur', charge: 'ch_9', customer: 'cus_9' } },
      }),
    );
    expect(d?.properties).toMatchObject({
      orderId: 'ch_9',
      refundId: 'ch_9:refund',
      amount: 700,
      currency: 'EUR',
      status: 'succeeded',
      provider: 'stripe',
    });
    expect(d?.identities).toEqual([{ type: 'stripe_customer', value: 'cus_9' }]);
  });
});

describe('Stripe invoice line fields by precedence', () => {
  const invoice = json('invoice-plan-line-2019.json');
  const base = invoice.lines.data[0];
  const items = (line: Record<string, unknown>) =>
    drafts(
      providerEnvelope('stripe', {
        id: 'evt_l',
        type: 'invoice.paid',
        created: 1507273919,
        data: { object: { ...invoice, lines: { data: [line] } } },
      }),
    )[0]?.properties.items;
  it('price before pricing before plan; unit_amount before plan amount before line amount; quantity 1 when absent', () => {
    const price = { product: 'prod_price', unit_amount: 300 };
    const pricing = { price_details: { product: 'prod_pricing' } };
    expect(items({ ...base, price, pricing })).toEqual([
      { productId: 'prod_price', name: base.description, price: 300, quantity: 1 },
    ]);
    expect(
      items({ ...base, pricing, plan: { ...base.plan, product: 'prod_plan' }, quantity: undefined }),
    ).toEqual([{ productId: 'prod_pricing', name: base.description, price: base.plan.amount, quantity: 1 }]);
    expect(items({ ...base, plan: undefined, quantity: 2 })).toEqual([
      { productId: base.id, name: base.description, price: base.amount, quantity: 2 },
    ]);
  });
});
