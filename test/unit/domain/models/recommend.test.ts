import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateRow } from '../../../../src/domain/batch/rows';
import type { RawEnvelope } from '../../../../src/domain/event';
import {
  fitItemModel,
  holdoutHitRate,
  type Purchase,
  recommend,
  recommendPopular,
} from '../../../../src/domain/models/recommend';
import { normalize } from '../../../../src/domain/normalize';
import { cdnowOrdersWithLines, parseCdnowPurchases, scaleCdnow } from '../../../../src/sample/demo-data';

const buys = (spec: Record<string, string[]>, date = '2026-01-01'): Purchase[] =>
  Object.entries(spec).flatMap(([customerId, items]) =>
    items.map((productId) => ({ customerId, productId, date })),
  );

describe('item-to-item recommendations', () => {
  it('scores by cosine co-purchase similarity, never recommends what was bought, fills by popularity', () => {
    // Buyers: p1 by A, B, C (3); p2 by A, B (2); p3 by C, D (2).
    const model = fitItemModel(buys({ A: ['p1', 'p2'], B: ['p1', 'p2'], C: ['p1', 'p3'], D: ['p3'] }));
    const sim = new Map(model.neighbours.get('p1'));
    expect(sim.get('p2')).toBeCloseTo(2 / Math.sqrt(3 * 2), 12);
    expect(sim.get('p3')).toBeCloseTo(1 / Math.sqrt(3 * 2), 12);
    expect(model.neighbours.get('p2')?.some(([j]) => j === 'p3')).toBe(false); // never bought together

    // C owns p1 and p3: p2 scores sim(p1,p2) + sim(p3,p2) = 2/√6 + 0; nothing else is left.
    expect(recommend(model, 'C', 5)).toEqual([
      { productId: 'p2', score: expect.closeTo(2 / Math.sqrt(6), 10), reason: 'similar' }, // scores are rounded to 10 decimals
    ]);
    // D owns p3 only: p1 by similarity, then p2 filled from popularity.
    expect(recommend(model, 'D', 5).map((r) => [r.productId, r.reason])).toEqual([
      ['p1', 'similar'],
      ['p2', 'popular'],
    ]);
    // A newcomer gets the most bought first; ties broken by product id.
    expect(recommend(model, 'nobody', 2).map((r) => r.productId)).toEqual(['p1', 'p2']);
    expect(recommendPopular(model, 'D', 5).map((r) => r.productId)).toEqual(['p1', 'p2']);
  });

  it('hit rate@k on a time holdout counts only products new to a customer who bought before the cutoff', () => {
    const before = buys(
      { A: ['1', '2'], B: ['1', '2'], C: ['3', '4'], D: ['3', '4'], E: ['3', '4'], F: ['1'], G: ['3'] },
      '2026-01-01',
    );
    const after = buys(
      // F and G buy what their taste group bought; G also re-buys 3 (not new, ignored);
      // H is new after the cutoff (no history: not evaluated).
      { F: ['2'], G: ['4', '3'], H: ['1'] },
      '2026-02-01',
    );
    const r = holdoutHitRate([...before, ...after], '2026-01-15', 1);
    // Top-1 by similarity: F → 2, G → 4 (both hits). By popularity (3: 4 buyers, then 1 and 4 with
    // 3, tie broken by id): F → 3, G → 1 (both misses).
    expect(r).toMatchObject({
      customers: 2,
      hitRate: 1,
      popularHitRate: 0,
      products: 4,
      cutoff: '2026-01-15',
    });
  });
});

describe('order lines in batch order files', () => {
  it('validates "product id@unit price" lines and names the bad one', () => {
    expect(
      validateRow('orders', {
        customer_id: 'c1',
        ordered_at: '2026-01-01',
        amount: '5.00',
        currency: 'USD',
        products: 'A@1.50|B@2',
      }),
    ).toMatchObject({ ok: true, payload: { products: 'A@1.50|B@2' } });
    const bad = validateRow('orders', {
      customer_id: 'c1',
      ordered_at: '2026-01-01',
      amount: '5.00',
      currency: 'USD',
      products: 'A@1.50|B',
    });
    expect(bad).toMatchObject({
      ok: false,
      problems: [{ field: 'products', rule: 'format', message: expect.stringContaining('"B"') }],
    });
  });

  it('becomes order_completed items: one line per product and price, quantity the times listed, exact cents', () => {
    const env: RawEnvelope = {
      kind: 'batch_file',
      provider: 'orders',
      source: 'orders',
      eventId: 'orders:abc',
      receivedAt: '2026-01-02T00:00:00.000Z',
      payload: {
        customer_id: 'c1',
        ordered_at: '2026-01-01T00:00:00.000Z',
        amount: '5.20',
        currency: 'EUR',
        products: 'A@1|B@2|A@1|C@1.2',
      },
    } as RawEnvelope;
    // A row that skipped file validation is still checked: the bad line is named.
    const bad = normalize({
      ...env,
      payload: { ...(env.payload as object), products: 'A@x' },
    } as RawEnvelope);
    expect(bad).toMatchObject({
      ok: false,
      errors: [{ path: '/products', message: expect.stringContaining('"A@x"') }],
    });
    const usd = normalize({
      ...env,
      payload: { ...(env.payload as object), currency: 'USD' },
    } as RawEnvelope);
    expect(usd.ok && usd.events[0]?.properties).toMatchObject({
      itemCount: 4,
      items: [
        { productId: 'A', sku: 'A', price: 100, quantity: 2 },
        { productId: 'B', sku: 'B', price: 200, quantity: 1 },
        { productId: 'C', sku: 'C', price: 120, quantity: 1 },
      ],
    });
  });

  it("the demo's generated lines add up to each real CDNOW purchase to the cent, one unit per CD", () => {
    const text = readFileSync(join(__dirname, '../../../../data/sample/cdnow_sample.txt'), 'utf8');
    const cdnow = text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.trim().split(/\s+/));
    const rows = cdnowOrdersWithLines(text, 7).trim().split('\n').slice(1);
    expect(rows).toHaveLength(cdnow.length);
    rows.forEach((row, i) => {
      const [, , cds, dollars] = (cdnow[i] as string[]).slice(1);
      const units = (row.split(',')[5] as string).split('|');
      expect(units).toHaveLength(Number(cds));
      const cents = units.reduce((s, u) => s + Math.round(Number(u.split('@')[1]) * 100), 0);
      expect(cents).toBe(Math.round(Number(dollars) * 100));
    });
    expect(cdnowOrdersWithLines(text, 7)).toBe(cdnowOrdersWithLines(text, 7));
  });

  it('--scale replicates the real cohort under new customer ids, same days and amounts', () => {
    const text = readFileSync(join(__dirname, '../../../../data/sample/cdnow_sample.txt'), 'utf8');
    const one = parseCdnowPurchases(text);
    const three = parseCdnowPurchases(scaleCdnow(text, 3));
    expect(three).toHaveLength(3 * one.length);
    expect(new Set(three.map((p) => p.customer)).size).toBe(3 * new Set(one.map((p) => p.customer)).size);
    const days = (ps: typeof one) => ps.map((p) => p.day).sort();
    expect(days(three)).toEqual(days([...one, ...one, ...one]));
    const dollars = (t: string) =>
      t
        .trim()
        .split('\n')
        .reduce((s, l) => s + Math.round(Number(l.trim().split(/\s+/)[4]) * 100), 0);
    expect(dollars(scaleCdnow(text, 3))).toBe(3 * dollars(text));
    expect(scaleCdnow(text, 1)).toBe(text);
  });
});
