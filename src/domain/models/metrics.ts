/** Model evaluation: ROC AUC (Mann–Whitney, ties averaged), Brier score, reliability bins, macro-F1. */
export function auc(scores: number[], labels: number[]): number {
  const idx = scores.map((s, i) => ({ s, y: labels[i] as number })).sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && (idx[j + 1] as { s: number }).s === (idx[i] as { s: number }).s) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if ((idx[k] as { y: number }).y === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  const pos = labels.filter((y) => y === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function brier(scores: number[], labels: number[]): number {
  return scores.reduce((s, p, i) => s + (p - (labels[i] as number)) ** 2, 0) / scores.length;
}

/** Reliability table: per probability decile, the mean prediction and the observed rate. */
export function reliability(scores: number[], labels: number[], bins = 10) {
  const out = Array.from({ length: bins }, (_, b) => ({
    bin: `${b / bins}-${(b + 1) / bins}`,
    n: 0,
    predicted: 0,
    observed: 0,
  }));
  scores.forEach((p, i) => {
    const b = out[Math.min(bins - 1, Math.floor(p * bins))] as (typeof out)[number];
    b.n++;
    b.predicted += p;
    b.observed += labels[i] as number;
  });
  return out
    .filter((b) => b.n > 0)
    .map((b) => ({ bin: b.bin, n: b.n, predicted: b.predicted / b.n, observed: b.observed / b.n }));
}

export function macroF1(predicted: string[], actual: string[]): number {
  const classes = [...new Set(actual)].sort();
  const f1s = classes.map((c) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    predicted.forEach((p, i) => {
      if (p === c && actual[i] === c) tp++;
      else if (p === c) fp++;
      else if (actual[i] === c) fn++;
    });
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return f1s.reduce((s, v) => s + v, 0) / classes.length;
}

/** A seeded PRNG (mulberry32): splits and shuffles are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic train/test split of indices. */
export function split(n: number, testShare: number, seed: number): { train: number[]; test: number[] } {
  const rnd = seeded(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const cut = Math.round(n * (1 - testShare));
  return { train: order.slice(0, cut), test: order.slice(cut) };
}
