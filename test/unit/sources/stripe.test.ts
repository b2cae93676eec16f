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
