import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalEvent } from '../../src/domain/event';
import { fitItemModel, type Purchase, recommend } from '../../src/domain/models/recommend';
import { runEtl } from '../../src/etl/runner';
import { canonical } from '../helpers/canonical';
import { queryLake, writeBronze } from '../helpers/lake';

/**
 * gold.customer_recommendations is computed by the ETL engine (the same SQL runs on Glue in AWS):
 * customer by customer it must equal src/domain/models/recommend.ts, the reference
 * implementation, fitted on the order lines gold holds (issue 29's parity, for recommendations).
 * The baskets are drawn with a fixed seed from a catalogue where a few products are bought
 * together, so similarities tie often (small counts) and the tie-breaking is exercised.
 */
describe('recommendations: the ETL SQL equals the reference implementation', () => {
  let root: string;
  let lake: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'c360-recs-'));
    lake = join(root, 'lake');
    let seed = 20261202;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const products = Array.from({ length: 24 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const events: CanonicalEvent[] = [];
    let n = 0;
    for (let c = 0; c < 60; c++) {
      const orders = 1 + Math.floor(rnd() * 3);
      for (let o = 0; o < orders; o++) {
        const first = Math.floor(rnd() * products.length);
        // Bundles: the next product often goes with it.
        const picks = new Set([
          first,
          ...(rnd() < 0.6 ? [(first + 1) % products.length] : []),
          Math.floor(rnd() * products.length),
        ]);
        const items = [...picks].map((i) => ({ productId: products[i] as string, price: 500, quantity: 1 }));
        const ts = `2026-03-0${1 + o}T1${o}:${String(c % 60).padStart(2, '0')}:00.000Z`;
        n++;
        events.push(
          canonical({
            eventId: `o${n}`,
            type: 'order_completed',
            event: 'Order Completed',
            userId: `c${c}`,
            timestamp: ts,
            receivedAt: ts,
            identities: [{ type: 'user_id', value: `c${c}` }],
            properties: {
              orderId: `ord-${n}`,
              amount: 500 * items.length,
              currency: 'USD',
              status: 'paid',
              items,
            },
          }),
        );
      }
    }
    // A visitor who never bought: only the popular fill.
    events.push(
      canonical({
        eventId: 'v1',
        type: 'page',
        event: 'page',
        userId: 'visitor',
        timestamp: '2026-03-01T09:00:00.000Z',
        receivedAt: '2026-03-01T09:00:00.000Z',
        identities: [{ type: 'user_id', value: 'visitor' }],
      }),
    );
    await writeBronze(lake, events);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('every customer gets the same top 5, in the same order, with the same reasons and scores', async () => {
    const lines = (await queryLake(
      lake,
      'SELECT customer_id, product_id, CAST(ordered_at AS VARCHAR) AS d FROM gold.fact_order_items WHERE is_revenue AND customer_id IS NOT NULL',
    )) as { customer_id: string; product_id: string; d: string }[];
    const model = fitItemModel(
      lines.map(
        (l): Purchase => ({ customerId: l.customer_id, productId: l.product_id, date: l.d.slice(0, 10) }),
      ),
    );
    const customers = (await queryLake(
      lake,
      'SELECT customer_id FROM gold.dim_customer ORDER BY customer_id',
    )) as { customer_id: string }[];
    const sql = (await queryLake(
      lake,
      'SELECT customer_id, rec_rank, product_id, score, reason FROM gold.customer_recommendations ORDER BY customer_id, rec_rank',
    )) as { customer_id: string; rec_rank: number; product_id: string; score: number; reason: string }[];
    const expected = customers.flatMap(({ customer_id }) =>
      recommend(model, customer_id, 5).map((r, i) => ({
        customer_id,
        rec_rank: i + 1,
        product_id: r.productId,
        score: r.score,
        reason: r.reason,
      })),
    );
    expect(customers.length).toBe(61);
    expect(sql.map((r) => ({ ...r, rec_rank: Number(r.rec_rank), score: Number(r.score) }))).toEqual(
      expected,
    );
    // Both reasons occur: co-purchase scores and the popular fill (the visitor, short histories).
    expect(new Set(sql.map((r) => r.reason))).toEqual(new Set(['similar', 'popular']));
  });
});
