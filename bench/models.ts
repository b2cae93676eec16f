import { fitCustomerModels, type RfmRow, scoreCustomer } from '../src/domain/models/customer-models';
import { seeded } from '../src/domain/models/metrics';
import { machine } from './harness';

/**
 * The customer models' fit (the training state machine's FitCustomerModels Lambda: BG/NBD,
 * Gamma-Gamma, k-means) and their scoring (per row of a scoring batch, churn aside) on synthetic
 * RFM rows shaped like the CDNOW cohort (most customers one-timers, a long tail of repeat buyers).
 * The fit must stay inside a Lambda's 15 minutes at the customer counts the cost model assumes.
 */
function rows(n: number, seed = 7): RfmRow[] {
  const rnd = seeded(seed);
  return Array.from({ length: n }, (_, i) => {
    const T = 10 + rnd() * 68;
    const repeat = rnd() < 0.4;
    const frequency = repeat ? 1 + Math.floor(-Math.log(1 - rnd()) * 3) : 0;
    const recency = repeat ? rnd() * T : 0;
    return {
      customerId: `c${i}`,
      frequency,
      recency,
      T,
      monetary: repeat ? 10 + -Math.log(1 - rnd()) * 30 : 0,
      buyer: rnd() < 0.9,
    };
  });
}

export async function run(): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const n of [10_000, 100_000]) {
    const data = rows(n);
    const t0 = performance.now();
    const m = fitCustomerModels(data);
    const fitMs = performance.now() - t0;
    const t1 = performance.now();
    for (const r of data) scoreCustomer(m, r, 0.5, '2026-03-01', 'v');
    const scoreMs = performance.now() - t1;
    out.push({
      bench: 'customer_models',
      customers: n,
      fit_s: Number((fitMs / 1000).toFixed(2)),
      score_rows_per_s: Math.round(n / (scoreMs / 1000)),
      ...machine(),
    });
  }
  return out;
}
