/**
 * Distribution drift by the population stability index (PSI): a distribution at training time
 * (the reference: decile bin edges and the share of the population in each bin) against today's.
 * PSI = Σ (actual − expected) · ln(actual / expected) over the bins, shares floored at 0.0001 so an
 * empty bin counts as a large change rather than an infinity. The usual reading: under 0.1 stable,
 * 0.1–0.25 a moderate shift, over 0.25 a significant one (the retraining threshold by default).
 */
export interface Reference {
  /** Upper bin edges (a value v falls in the first bin whose edge is ≥ v; the last bin is open). */
  edges: number[];
  shares: number[];
}

const FLOOR = 1e-4;

/** The value at quantile q of sorted values (the lower of the two middle values: no interpolation). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Bin index of v: the first edge ≥ v, else the open last bin. */
export function binOf(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) >= v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function binCounts(edges: readonly number[], values: Iterable<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) counts[binOf(edges, v)] = (counts[binOf(edges, v)] as number) + 1;
  return counts;
}

/** A training-time reference: decile edges (ties merged: a feature with few values has fewer bins). */
export function featureReference(values: readonly number[], bins = 10): Reference {
  if (values.length === 0) throw new Error('a drift reference needs values');
  const sorted = [...values].sort((a, b) => a - b);
  const edges = [...new Set(Array.from({ length: bins - 1 }, (_, i) => quantile(sorted, (i + 1) / bins)))];
  const counts = binCounts(edges, sorted);
  return { edges, shares: counts.map((c) => c / sorted.length) };
}

/** PSI of observed bin counts against a reference's shares. */
export function psi(ref: Reference, counts: readonly number[]): number {
  const n = counts.reduce((a, c) => a + c, 0);
  if (n === 0) return 0;
  return ref.shares.reduce((sum, e, i) => {
    const expected = Math.max(e, FLOOR);
    const actual = Math.max((counts[i] ?? 0) / n, FLOOR);
    return sum + (actual - expected) * Math.log(actual / expected);
  }, 0);
}
