import { stringify } from 'csv-stringify/sync';
import { kmeans } from 'ml-kmeans';
import { NotEnoughHistoryError } from '../errors';
import {
  type BgNbdParams,
  clv,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  type GammaGammaParams,
  pAlive,
  type RfmSummary,
} from './clv';
import { featureReference, type Reference } from './drift';
import { CHURN_FEATURES } from './features';
import { seeded } from './metrics';

/**
 * The per-customer models (CLV with P(alive), k-means segments) fitted and applied by one module,
 * wherever they run: the embedded trainer, the training state machine's fit step (a Lambda in
 * AWS) and every item of the daily scoring Map. Their input is a row of gold.churn_features (the
 * ETL's RFM summary, the same SQL on DuckDB and Spark), their output the model artifact
 * (`customer-models.json`) and the customer_scores row. Fitting is deterministic (rows sorted by
 * customer id, a fixed k-means seed), so the same gold fits the same parameters on every path.
 */

/** One customer's RFM inputs, as gold.churn_features has them. */
export interface RfmRow extends RfmSummary {
  /** Has at least one revenue order: a prospect (false) is not in the fits and is segmented by rule. */
  buyer: boolean;
}

/** The registry's codeVersion of these models: the algorithms and their fixed parameters. */
export const CUSTOMER_MODELS_CODE = 'bgnbd+gammagamma (nelder-mead, log params) + kmeans++ k=4 seed 360';

export const SEGMENT_NAMES = ['champions', 'loyal', 'needs_attention', 'at_risk'] as const;
export const PROSPECT = 'prospect';

export interface CustomerModels {
  clv: { bgnbd: BgNbdParams; gammagamma: GammaGammaParams };
  segments: {
    /** k-means centroids in scaled space (days-since-last, log frequency, log spend). */
    centroids: number[][];
    mean: number[];
    sd: number[];
    /** The segment name of each centroid. */
    names: string[];
  };
  /** How many customers it was fitted on (buyers) and the buyers per segment at fit time. */
  fitted: { buyers: number; sizes: Record<string, number> };
  /** Each scoring feature's distribution over every customer at fit time: what drift is measured against. */
  reference: Record<string, Reference>;
}

/** A customer's churn features (CHURN_FEATURES order) from its RFM inputs, as gold.churn_features derives them. */
export function churnFeatures(r: RfmSummary): number[] {
  return [r.frequency, r.recency, r.T, r.monetary, r.T - r.recency];
}

/** Scaled k-means inputs: weeks since the last purchase, log(1 + frequency), log(1 + spend). */
function rfmVector(r: RfmSummary): number[] {
  return [r.T - r.recency, Math.log1p(r.frequency), Math.log1p(r.monetary)];
}

const byId = (a: { customerId: string }, b: { customerId: string }) =>
  a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0;

/** Index of the nearest centroid (squared Euclidean distance; ties to the lower index). */
export function nearest(centroids: number[][], x: number[]): number {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  centroids.forEach((c, i) => {
    const d = c.reduce((a, v, j) => a + (v - (x[j] as number)) ** 2, 0);
    if (d < bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

/**
 * Fits BG/NBD and Gamma-Gamma on the buyers, and k-means (k = 4, k-means++, fixed seed) on their
 * scaled RFM vectors; each centroid is named by its value (more purchases and spend, less time
 * since the last one), so "champions" means the same thing on every run.
 */
export function fitCustomerModels(rows: readonly (RfmRow & { features?: number[] })[]): CustomerModels {
  const buyers = rows.filter((r) => r.buyer).sort(byId);
  if (buyers.length < SEGMENT_NAMES.length)
    throw new NotEnoughHistoryError(
      `the customer models need at least ${SEGMENT_NAMES.length} buyers, got ${buyers.length}`,
    );
  const bgnbd = fitBgNbd(buyers);
  const gammagamma = fitGammaGamma(buyers);
  const raw = buyers.map(rfmVector);
  const mean = [0, 1, 2].map((j) => raw.reduce((a, r) => a + (r[j] as number), 0) / raw.length);
  const sd = [0, 1, 2].map(
    (j) =>
      Math.sqrt(raw.reduce((a, r) => a + ((r[j] as number) - (mean[j] as number)) ** 2, 0) / raw.length) || 1,
  );
  const scaled = raw.map((r) => r.map((v, j) => (v - (mean[j] as number)) / (sd[j] as number)));
  const rnd = seeded(360);
  const km = kmeans(scaled, SEGMENT_NAMES.length, {
    seed: Math.floor(rnd() * 1e6),
    initialization: 'kmeans++',
  });
  const value = km.centroids.map((c) => (c[1] as number) + (c[2] as number) - (c[0] as number));
  const names = value.map((v) => SEGMENT_NAMES[value.filter((w) => w > v).length] as string);
  const sizes: Record<string, number> = Object.fromEntries(SEGMENT_NAMES.map((n) => [n, 0]));
  for (const x of scaled) {
    const n = names[nearest(km.centroids, x)] as string;
    sizes[n] = (sizes[n] ?? 0) + 1;
  }
  return {
    clv: { bgnbd, gammagamma },
    segments: { centroids: km.centroids, mean, sd, names },
    fitted: { buyers: buyers.length, sizes },
    reference: Object.fromEntries(
      CHURN_FEATURES.map((f, j) => [f, featureReference(rows.map((r) => churnFeatures(r)[j] as number))]),
    ),
  };
}

/** A row of gold.customer_scores (the warehouse table of the same name). */
export interface CustomerScore {
  customer_id: string;
  scored_at: string;
  churn_probability: number | null;
  segment: string;
  clv_12m_usd: number;
  p_alive: number;
  expected_purchases_90d: number;
  model_version: string;
}

/** The segment of one customer: the nearest centroid's name, "prospect" without a revenue order. */
export function segmentOf(m: CustomerModels, r: RfmRow): string {
  if (!r.buyer) return PROSPECT;
  const { centroids, mean, sd, names } = m.segments;
  const x = rfmVector(r).map((v, j) => (v - (mean[j] as number)) / (sd[j] as number));
  return names[nearest(centroids, x)] as string;
}

/**
 * One customer's scores. A prospect enters the models as at first contact: P(alive) 1 (BG/NBD has
 * no dropout before a first purchase), expected purchases at the population rate, CLV priced at
 * Gamma-Gamma's population mean spend. CLV is rounded to the cent (the warehouse's DECIMAL(18,2)).
 */
export function scoreCustomer(
  m: CustomerModels,
  r: RfmRow,
  churn: number | null,
  scoredAt: string,
  version: string,
): CustomerScore {
  const { bgnbd, gammagamma } = m.clv;
  return {
    customer_id: r.customerId,
    scored_at: scoredAt,
    churn_probability: churn,
    segment: segmentOf(m, r),
    clv_12m_usd: Math.round(clv(bgnbd, gammagamma, r) * 100) / 100,
    p_alive: pAlive(bgnbd, r),
    expected_purchases_90d: expectedPurchases(bgnbd, r, 90 / 7),
    model_version: version,
  };
}

/** The customer_scores columns, in the warehouse table's order (the score files' header). */
export const SCORE_COLUMNS = [
  'customer_id',
  'scored_at',
  'churn_probability',
  'segment',
  'clv_12m_usd',
  'p_alive',
  'expected_purchases_90d',
  'model_version',
] as const;

/** customer_scores rows as a CSV file (header SCORE_COLUMNS; quoted where a value needs it). */
export function scoresCsv(rows: readonly CustomerScore[]): string {
  return stringify(
    rows.map((r) => SCORE_COLUMNS.map((c) => r[c] ?? '')),
    { header: true, columns: [...SCORE_COLUMNS], cast: { number: (n) => String(n) } },
  );
}
