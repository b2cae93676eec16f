import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bgnbdLogLikelihood,
  clv,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  pAlive,
  summarize,
} from '../../../../src/domain/models/clv';
import { parsePurchaseLog } from '../../../../src/domain/models/purchases';

const root = join(__dirname, '../../../..');
const sample = parsePurchaseLog(readFileSync(join(root, 'data/sample/cdnow_sample.txt'), 'utf8'));
const summary = summarize(sample, '1997-09-30');

describe('CLV on the real CDNOW sample reproduces the published tables (Fader, Hardie & Lee 2005)', () => {
  const bg = fitBgNbd(summary);
  const gg = fitGammaGamma(summary);

  it('summaries follow the paper’s definitions', () => {
    expect(summary).toHaveLength(2357);
    expect(summary.filter((s) => s.frequency > 0)).toHaveLength(946);
    // Sample customer 1: purchases 1997-01-01, -01-18, -08-02 → x = 2, t_x = 213/7, T = 272/7 = 38.86.
    expect(summary.find((s) => s.customerId === '1')).toMatchObject({ frequency: 2 });
    expect(summary.find((s) => s.customerId === '1')?.T).toBeCloseTo(38.857, 3);
    expect(summary.find((s) => s.customerId === '1')?.recency).toBeCloseTo(213 / 7, 10);
  });

  it('BG/NBD: r 0.243, α 4.414, a 0.793, b 2.426', () => {
    expect(bg.r.toFixed(3)).toBe('0.243');
    expect(bg.alpha.toFixed(3)).toBe('4.414');
    expect(bg.a.toFixed(3)).toBe('0.793');
    expect(bg.b.toFixed(3)).toBe('2.426');
  });

  it('Gamma-Gamma on the 946 repeat buyers: p 6.25, q 3.74, γ 15.44', () => {
    expect(gg.p.toFixed(2)).toBe('6.25');
    expect(gg.q.toFixed(2)).toBe('3.74');
    expect(gg.gamma.toFixed(2)).toBe('15.44');
  });

  it('the fit is a maximum: nudging any parameter lowers the likelihood', () => {
    const ll = (p: typeof bg) => summary.reduce((s, c) => s + bgnbdLogLikelihood(p, c), 0);
    const best = ll(bg);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      for (const f of [0.99, 1.01]) expect(ll({ ...bg, [k]: bg[k] * f })).toBeLessThan(best);
    }
  });

  it('P(alive), expected purchases and CLV behave; no overflow for frequent, long-gone customers', () => {
    expect(pAlive(bg, { frequency: 0, recency: 0, T: 30 })).toBe(1);
    const recent = pAlive(bg, { frequency: 5, recency: 38, T: 39 });
    const gone = pAlive(bg, { frequency: 5, recency: 2, T: 39 });
    expect(recent).toBeGreaterThan(gone);
    expect(pAlive(bg, { frequency: 2000, recency: 1, T: 10_000 })).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(pAlive(bg, { frequency: 2000, recency: 1, T: 10_000 }))).toBe(true);
    const c = summary.find((s) => s.frequency > 2) as (typeof summary)[number];
    expect(expectedPurchases(bg, c, 52)).toBeGreaterThan(expectedPurchases(bg, c, 26));
    expect(clv(bg, gg, c)).toBeGreaterThan(0);
  });

  it('the holdout forecast of repeat purchase days is within 15 % of what happened', () => {
    const predicted = summary.reduce((s, c) => s + expectedPurchases(bg, c, 39), 0);
    const actual = new Set(
      sample
        .filter((p) => p.date > '1997-09-30' && p.date <= '1998-06-30')
        .map((p) => `${p.customerId}|${p.date}`),
    ).size;
    expect(Math.abs(predicted - actual) / actual).toBeLessThan(0.15);
  });
});

describe('purchase log formats', () => {
  it('reads the CDNOW master (4 columns and a header) and an orders CSV', () => {
    const master = parsePurchaseLog(
      readFileSync(join(root, 'test/fixtures/real/cdnow/cdnow_master_head.txt'), 'utf8'),
    );
    expect(master).toHaveLength(2000);
    expect(master[0]).toEqual({ customerId: '1', date: '1997-01-01', amount: 11.77 });
    const csv = parsePurchaseLog(
      'customer_id,ordered_at,amount\nc1,2026-01-02T10:00:00Z,19.99\nc1,2026-01-05,5\n',
    );
    expect(csv).toEqual([
      { customerId: 'c1', date: '2026-01-02', amount: 19.99 },
      { customerId: 'c1', date: '2026-01-05', amount: 5 },
    ]);
    expect(() => parsePurchaseLog('1 2 3\n')).toThrow('line 1: expected 4');
    expect(() => parsePurchaseLog('customer_id,when\nc,1\n')).toThrow('needs customer_id, ordered_at');
  });
});

describe('numerical care', () => {
  it('a + b < 1 (the hypergeometric pole for customers without repeats) gives finite, continuous forecasts', () => {
    const p = { r: 0.3, alpha: 5, a: 0.22, b: 0.64 }; // a + b − 1 < 0 at x = 0
    const lone = { frequency: 0, recency: 0, T: 20 };
    const f = (b: number, t: number) => expectedPurchases({ ...p, b }, lone, t);
    expect(Number.isFinite(f(0.64, 26))).toBe(true);
    expect(f(0.64, 26)).toBeGreaterThan(0);
    expect(f(0.64, 52)).toBeGreaterThan(f(0.64, 26));
    // Across c = 0 (b = 0.78) the function is continuous: no pole.
    expect(Math.abs(f(0.7799, 26) - f(0.7801, 26))).toBeLessThan(1e-3);
  });
});
