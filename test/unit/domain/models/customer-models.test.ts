import { parseCsv } from '../../../../src/domain/batch/csv';
import { clv, fitBgNbd, fitGammaGamma } from '../../../../src/domain/models/clv';
import {
  fitCustomerModels,
  nearest,
  PROSPECT,
  type RfmRow,
  SCORE_COLUMNS,
  SEGMENT_NAMES,
  scoreCustomer,
  scoresCsv,
  segmentOf,
} from '../../../../src/domain/models/customer-models';
import { seeded } from '../../../../src/domain/models/metrics';

/** Buyers of four kinds (frequent big spenders … lapsed one-timers) and some prospects. */
function population(n = 200, seed = 3): RfmRow[] {
  const rnd = seeded(seed);
  return Array.from({ length: n }, (_, i) => {
    const kind = i % 5;
    const T = 40 + Math.floor(rnd() * 20);
    if (kind === 4)
      return { customerId: `p${i}`, frequency: 0, recency: 0, T: rnd() * 10, monetary: 0, buyer: false };
    const frequency = [12, 5, 1, 0][kind] as number;
    const recency = frequency === 0 ? 0 : Math.min(T, [T - 1, T - 8, 10, 0][kind] as number);
    return {
      customerId: `c${String(i).padStart(4, '0')}`,
      frequency: frequency + Math.floor(rnd() * 2),
      recency,
      T,
      monetary: frequency === 0 ? 0 : ([150, 60, 25, 0][kind] as number) + rnd() * 10,
      buyer: true,
    };
  });
}

describe('customer models (CLV, P(alive), segments): one module for every path', () => {
  it('fits BG/NBD and Gamma-Gamma on the buyers only: prospects and row order change nothing', () => {
    const rows = population();
    const m = fitCustomerModels(rows);
    const buyers = rows.filter((r) => r.buyer);
    // The same fits, independently: the CLV module on the buyers sorted by id.
    const sorted = [...buyers].sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
    expect(m.clv.bgnbd).toEqual(fitBgNbd(sorted));
    expect(m.clv.gammagamma).toEqual(fitGammaGamma(sorted));
    expect(m.fitted.buyers).toBe(buyers.length);
    const shuffled = [...rows].reverse();
    const again = fitCustomerModels(shuffled);
    expect({ ...again, reference: null }).toEqual({ ...m, reference: null });
    const noProspects = fitCustomerModels(buyers);
    expect(noProspects.clv).toEqual(m.clv);
    expect(noProspects.segments).toEqual(m.segments);
  });

  it('names the four centroids by value: champions buy most, most recently; every buyer in one named segment', () => {
    const rows = population();
    const m = fitCustomerModels(rows);
    expect([...m.segments.names].sort()).toEqual([...SEGMENT_NAMES].sort());
    const value = m.segments.centroids.map((c) => (c[1] as number) + (c[2] as number) - (c[0] as number));
    const ranked = [...value].sort((a, b) => b - a);
    SEGMENT_NAMES.forEach((name, rank) => {
      expect(value[m.segments.names.indexOf(name)]).toBe(ranked[rank]);
    });
    const sizes = Object.fromEntries(SEGMENT_NAMES.map((n) => [n, 0]));
    for (const r of rows.filter((x) => x.buyer)) sizes[segmentOf(m, r)] = (sizes[segmentOf(m, r)] ?? 0) + 1;
    expect(sizes).toEqual(m.fitted.sizes);
    // A frequent recent big spender is a champion; a lapsed one-timer is at risk.
    expect(
      segmentOf(m, { customerId: 'x', frequency: 14, recency: 50, T: 51, monetary: 170, buyer: true }),
    ).toBe('champions');
    expect(segmentOf(m, { customerId: 'y', frequency: 0, recency: 0, T: 59, monetary: 0, buyer: true })).toBe(
      'at_risk',
    );
    expect(
      segmentOf(m, { customerId: 'z', frequency: 14, recency: 50, T: 51, monetary: 170, buyer: false }),
    ).toBe(PROSPECT);
  });

  it('needs four buyers to name four segments', () => {
    const rows = population(20)
      .filter((r) => r.buyer)
      .slice(0, 3);
    expect(() => fitCustomerModels(rows)).toThrow('at least 4 buyers, got 3');
  });

  it('the nearest centroid by squared distance; a tie goes to the first', () => {
    expect(
      nearest(
        [
          [0, 0],
          [3, 4],
        ],
        [2.9, 3.9],
      ),
    ).toBe(1);
    expect(
      nearest(
        [
          [0, 0],
          [2, 0],
        ],
        [1, 0],
      ),
    ).toBe(0);
  });

  it('scores a customer: CLV to the cent, P(alive) 1 for a prospect, the versions on the row', () => {
    const m = fitCustomerModels(population());
    const buyer: RfmRow = {
      customerId: 'c,"1"',
      frequency: 4,
      recency: 30,
      T: 52,
      monetary: 55.5,
      buyer: true,
    };
    const s = scoreCustomer(m, buyer, 0.25, '2026-03-01', 'v1');
    expect(s.clv_12m_usd).toBe(Math.round(clv(m.clv.bgnbd, m.clv.gammagamma, buyer) * 100) / 100);
    expect(Number.isInteger(Math.round(s.clv_12m_usd * 100))).toBe(true);
    expect(s).toMatchObject({
      customer_id: 'c,"1"',
      scored_at: '2026-03-01',
      churn_probability: 0.25,
      model_version: 'v1',
    });
    expect(s.p_alive).toBeGreaterThan(0);
    expect(s.p_alive).toBeLessThan(1);
    const prospect = scoreCustomer(
      m,
      { customerId: 'p', frequency: 0, recency: 0, T: 3, monetary: 0, buyer: false },
      null,
      '2026-03-01',
      'v1',
    );
    expect(prospect).toMatchObject({ segment: 'prospect', p_alive: 1, churn_probability: null });
    expect(prospect.clv_12m_usd).toBeGreaterThan(0);
    // The score file: the header, an id kept as sent (quoted), an unknown churn left empty.
    const rows = parseCsv(scoresCsv([s, prospect])).map((r) => r.cells);
    expect(rows[0]).toEqual([...SCORE_COLUMNS]);
    expect(rows[1]?.[0]).toBe('c,"1"');
    expect(rows[2]?.[2]).toBe('');
    expect(rows[1]?.[4]).toBe(String(s.clv_12m_usd));
  });

  it("keeps each feature's fit-time distribution over every customer (the drift reference)", () => {
    const rows = population();
    const m = fitCustomerModels(rows);
    expect(Object.keys(m.reference)).toEqual([
      'frequency',
      'recency_weeks',
      'tenure_weeks',
      'monetary',
      'weeks_since_last',
    ]);
    for (const ref of Object.values(m.reference)) {
      expect(ref.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(ref.edges).toEqual([...ref.edges].sort((a, b) => a - b));
    }
    // tenure_weeks counts prospects too: its smallest edge is a prospect's weeks since first seen.
    expect(m.reference.tenure_weeks?.edges[0]).toBeLessThan(10);
  });
});
