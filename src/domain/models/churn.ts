import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { parseCsv } from '../batch/csv';
import { auc, brier, reliability, split } from './metrics';

/**
 * Churn: gradient-boosted trees (XGBoost, the algorithm of SageMaker's built-in container, here
 * its WebAssembly build ml-xgboost) with logistic regression (ml-logistic-regression) as the
 * baseline. Features are standardized for the baseline; both report ROC AUC, Brier score and a
 * reliability table on a held-out split; XGBoost's feature importance is its gain per feature.
 */
export interface Dataset {
  features: string[];
  X: number[][];
  y: number[];
}

export const XGB_PARAMS = {
  booster: 'gbtree',
  objective: 'binary:logistic',
  max_depth: 4,
  eta: 0.1,
  min_child_weight: 5,
  subsample: 1,
  colsample_bytree: 1,
  silent: 1,
  iterations: 150,
};

type Booster = {
  train(X: number[][], y: number[]): void;
  predict(X: number[][]): Float32Array | number[];
  toJSON(): unknown;
  free(): void;
};

/**
 * ml-xgboost compiles its WebAssembly when imported, so it is imported on first use only: every
 * other command (and the CLI bundle's start-up) stays free of it.
 */
async function xgboost<T>(): Promise<T> {
  // Its Emscripten loader first tries to stream the .wasm through fetch(), which cannot read a
  // file path in Node, prints that on console.warn and reads the file instead. The loader keeps
  // the console.warn it saw when it was evaluated: it gets one without those two lines.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && WASM_FALLBACK_NOISE.test(args[0])) return;
    warn(...args);
  };
  try {
    const mod = await import('ml-xgboost');
    return (await mod.default) as unknown as T;
  } finally {
    console.warn = warn;
  }
}

const WASM_FALLBACK_NOISE = /^(?:wasm streaming compile failed|falling back to ArrayBuffer instantiation)/;

export async function trainXgboost(
  d: Dataset,
  params: typeof XGB_PARAMS = XGB_PARAMS,
): Promise<{ predict: (X: number[][]) => number[]; model: unknown; free: () => void }> {
  const XGBoost = await xgboost<new (p: object) => Booster>();
  const booster = new XGBoost(params);
  booster.train(d.X, d.y);
  return {
    predict: (X) => Array.from(booster.predict(X)),
    model: booster.toJSON(),
    free: () => booster.free(),
  };
}

/** A churn booster from its saved JSON (the `churn-xgboost.json` artifact). */
export async function loadXgboost(
  model: unknown,
): Promise<{ predict: (X: number[][]) => number[]; free: () => void }> {
  const XGBoost = await xgboost<{ load(m: unknown): Booster }>();
  const booster = XGBoost.load(model);
  return { predict: (X) => Array.from(booster.predict(X)), free: () => booster.free() };
}

/** Logistic regression on standardized features (the baseline). */
export function trainLogistic(d: Dataset): { predict: (X: number[][]) => number[]; model: unknown } {
  const cols = d.features.length;
  const mean = Array.from(
    { length: cols },
    (_, j) => d.X.reduce((s, r) => s + (r[j] as number), 0) / d.X.length,
  );
  const sd = Array.from(
    { length: cols },
    (_, j) =>
      Math.sqrt(d.X.reduce((s, r) => s + ((r[j] as number) - (mean[j] as number)) ** 2, 0) / d.X.length) || 1,
  );
  const scale = (X: number[][]) =>
    X.map((r) => [1, ...r.map((v, j) => (v - (mean[j] as number)) / (sd[j] as number))]);
  const lr = new LogisticRegression({ numSteps: 400, learningRate: 2e-4 });
  lr.train(new Matrix(scale(d.X)), Matrix.columnVector(d.y));
  // ml-logistic-regression is one-vs-all; classifier 1 scores "not class 1".
  const positive = (lr as unknown as { classifiers: { testScores(m: Matrix): number[] }[] }).classifiers[1];
  if (!positive) throw new Error('the churn baseline saw only one class');
  return {
    predict: (X) => Array.from(positive.testScores(new Matrix(scale(X)))).map((p) => 1 - p),
    model: { ...lr.toJSON(), mean, sd },
  };
}

export interface ChurnEvaluation {
  auc: number;
  baselineAuc: number;
  brier: number;
  positives: number;
  rows: number;
  reliability: ReturnType<typeof reliability>;
  importance: { feature: string; gain: number }[];
}

export async function evaluateChurn(d: Dataset, seed = 360): Promise<ChurnEvaluation> {
  const { train, test } = split(d.y.length, 0.25, seed);
  const pick = (idx: number[]): Dataset => ({
    features: d.features,
    X: idx.map((i) => d.X[i] as number[]),
    y: idx.map((i) => d.y[i] as number),
  });
  const tr = pick(train);
  const te = pick(test);
  const xgb = await trainXgboost(tr);
  const scores = xgb.predict(te.X);
  xgb.free();
  const lr = trainLogistic(tr);
  const base = lr.predict(te.X);
  return {
    auc: auc(scores, te.y),
    baselineAuc: auc(base, te.y),
    brier: brier(scores, te.y),
    positives: te.y.filter((v) => v === 1).length,
    rows: te.y.length,
    reliability: reliability(scores, te.y),
    importance: permutationImportance(lr.predict, te),
  };
}

/** How much the baseline's AUC drops when a feature is shuffled (model-agnostic importance). */
function permutationImportance(
  predict: (X: number[][]) => number[],
  d: Dataset,
): { feature: string; gain: number }[] {
  const base = auc(predict(d.X), d.y);
  return d.features
    .map((feature, j) => {
      const col = d.X.map((r) => r[j] as number).reverse();
      const X = d.X.map((r, i) => r.map((v, k) => (k === j ? (col[i] as number) : v)));
      return { feature, gain: base - auc(predict(X), d.y) };
    })
    .sort((a, b) => b.gain - a.gain)
    .slice(0, 10);
}

/** IBM's Telco churn file → a numeric dataset (one-hot categoricals, blank TotalCharges as 0). */
export function telcoDataset(csv: string): Dataset {
  const rows = parseCsv(csv);
  const header = (rows[0]?.cells ?? []).map((h) => h.trim());
  const records = rows
    .slice(1)
    .map((r) => Object.fromEntries(header.map((h, i) => [h, (r.cells[i] ?? '').trim()])));
  const numeric = ['tenure', 'MonthlyCharges', 'TotalCharges', 'SeniorCitizen'];
  const categorical = header.filter((h) => !numeric.includes(h) && h !== 'customerID' && h !== 'Churn');
  const levels = categorical.map((c) => [...new Set(records.map((r) => r[c] as string))].sort());
  const features = [
    ...numeric,
    ...categorical.flatMap((c, i) => (levels[i] as string[]).map((l) => `${c}=${l}`)),
  ];
  const X = records.map((r) => [
    ...numeric.map((n) => Number(r[n]) || 0),
    ...categorical.flatMap((c, i) => (levels[i] as string[]).map((l) => (r[c] === l ? 1 : 0))),
  ]);
  return { features, X, y: records.map((r) => (r.Churn === 'Yes' ? 1 : 0)) };
}
