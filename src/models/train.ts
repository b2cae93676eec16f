import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kmeans } from 'ml-kmeans';
import { LocalScorer } from '../adapters/local/local-scorer';
import { decodeMixed, parseCsv } from '../domain/batch/csv';
import { C360Error } from '../domain/errors';
import { addDays } from '../domain/instant';
import { evaluateChurn, telcoDataset, trainXgboost } from '../domain/models/churn';
import {
  clv,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  pAlive,
  type RfmSummary,
  summarize,
} from '../domain/models/clv';
import { CHURN_FEATURES } from '../domain/models/features';
import { auc, macroF1, seeded, split } from '../domain/models/metrics';
import { fitItemModel, holdoutHitRate, type Purchase } from '../domain/models/recommend';
import { classify, trainSentiment } from '../domain/models/sentiment';
import { lit, openDuckDb } from '../etl/duckdb';
import { projectRoot } from '../paths';
import type { Scorer } from '../ports/scorer';

/**
 * `c360 models train`: fits every model from gold (CLV, churn, segments) plus the offline
 * sentiment model, saves versioned artifacts with metrics and lineage, and scores every customer
 * into gold.customer_scores (which the warehouse loads). Deterministic: fixed seeds, so a rerun
 * on the same gold is bit-identical (same version id, same scores).
 */
export interface ModelsReport {
  version: string;
  asOf: string;
  customersScored: number;
  metrics: Record<string, unknown>;
  artifactsDir: string;
}

/** The churn label's horizon: gold.churn_training's (sql/gold/churn_training.sql). */
const CHURN_HORIZON_DAYS = 90;

export async function trainModels(opts: {
  dataDir: string;
  lakeDir: string;
  /** Scores churn through this scorer (a SageMaker endpoint in AWS); default: the model in-process. */
  scorer?: Scorer;
  /** Also evaluate churn on the real Telco data (≈10 s; default true). */
  benchmarks?: boolean;
  onProgress?: (m: string) => void;
}): Promise<ModelsReport> {
  const say = opts.onProgress ?? (() => {});
  const ordersFile = join(opts.lakeDir, 'gold', 'fact_orders', 'data.parquet');
  if (!existsSync(ordersFile))
    throw new C360Error(`gold is empty under ${opts.lakeDir}: run "c360 etl" (or "npm start") first`);
  const { purchases, customers, lines, training, scoring } = await readGold(opts.lakeDir, ordersFile);
  if (purchases.length === 0) throw new C360Error('gold has no revenue orders to train on');
  const asOf = purchases
    .map((p) => p.date)
    .sort()
    .at(-1) as string;

  // CLV
  say('fitting BG/NBD and Gamma-Gamma');
  const summaryNow = summarize(purchases, asOf);
  const bgnbd = fitBgNbd(summaryNow);
  const gammagamma = fitGammaGamma(summaryNow);

  // Churn: XGBoost on the ETL's own feature tables, as the SageMaker job trains and the scoring
  // Map scores: gold.churn_training (features as of the cutoff, the 90-day label, the train /
  // validation split) and gold.churn_features (every customer's features now).
  say('training churn (XGBoost) on gold.churn_training');
  const horizon = CHURN_HORIZON_DAYS;
  const cutoff = addDays(asOf, -horizon);
  const y = training.map((t) => t.label);
  const train = training.filter((t) => t.split === 'train');
  const test = training.filter((t) => t.split === 'validation');
  const xgb = await trainXgboost({
    features: CHURN_FEATURES,
    X: train.map((t) => t.x),
    y: train.map((t) => t.label),
  });
  const holdoutAuc = auc(
    xgb.predict(test.map((t) => t.x)),
    test.map((t) => t.label),
  );
  const scorer = opts.scorer ?? new LocalScorer((X) => xgb.predict(X));
  const scored = await scorer.score(scoring.map((s) => s.x.join(',')));
  const churnOf = new Map(scoring.map((s, i) => [s.customerId, scored[i] as number]));
  const bySummary = new Map(summaryNow.map((s, i) => [s.customerId, i]));
  const weeksTo = (from: string | null) =>
    from && from < asOf
      ? (Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 604_800_000
      : 0;
  const prospects: RfmSummary[] = customers
    .filter((c) => !bySummary.has(c.id))
    .map((c) => ({ customerId: c.id, frequency: 0, recency: 0, T: weeksTo(c.firstSeen), monetary: 0 }));
  const churnModel = xgb.model;
  xgb.free();

  // Segments: k-means on scaled recency / frequency / monetary, named by rules on the centroids.
  say('segmenting (k-means)');
  const { km, mean, sd, names, segmentOf } = fitSegments(summaryNow);

  // Sentiment (social mentions and tickets): trained on the real airline tweets.
  say('training sentiment');
  const { sentiment, sentimentF1, majorityF1, actual } = await fitSentiment();

  // Recommendations: item-to-item co-purchase, hit rate@5 on the same time holdout as churn.
  say('fitting recommendations (item-to-item co-purchase)');
  const recsHoldout = lines.length ? holdoutHitRate(lines, cutoff, 5) : null;
  const items = fitItemModel(lines);

  say('evaluating churn on the real Telco data');
  const telco = await evaluateChurn(
    telcoDataset(await readFile(join(projectRoot(), 'data', 'sample', 'telco_customer_churn.csv'), 'utf8')),
  );

  const { metrics, version, dir } = await saveModels(opts.dataDir, {
    churn: {
      holdoutAuc,
      telco,
      horizon,
      y,
      cutoff,
      trainRows: train.length,
      testRows: test.length,
      model: churnModel,
    },
    clv: { bgnbd, gammagamma, customers: summaryNow.length },
    segments: { km, mean, sd, names, segmentOf },
    sentiment: { model: sentiment, f1: sentimentF1, majorityF1, testRows: actual.length },
    recommendations: { holdout: recsHoldout, items },
    gold: {
      revenueOrders: purchases.length,
      customers: customers.length,
      asOf,
      orderLines: lines.length,
    },
  });

  say('scoring customers');
  const rows = await writeScores(opts.lakeDir, {
    customers,
    summaryNow,
    prospects,
    churnOf,
    segment: (i) => segmentOf(km.clusters[i] as number),
    bgnbd,
    gammagamma,
    asOf,
    version,
  });
  return { version, asOf, customersScored: rows.length, metrics, artifactsDir: dir };
}

/**
 * The trained models saved as a version: metrics and lineage first, the version id a hash of both
 * (a rerun on the same gold is the same version), every artifact under models/<version>/, then
 * LATEST pointed at it.
 */
async function saveModels(
  dataDir: string,
  m: {
    churn: {
      holdoutAuc: number;
      telco: Awaited<ReturnType<typeof evaluateChurn>>;
      horizon: number;
      y: number[];
      cutoff: string;
      trainRows: number;
      testRows: number;
      model: unknown;
    };
    clv: {
      bgnbd: ReturnType<typeof fitBgNbd>;
      gammagamma: ReturnType<typeof fitGammaGamma>;
      customers: number;
    };
    segments: ReturnType<typeof fitSegments>;
    sentiment: { model: unknown; f1: number; majorityF1: number; testRows: number };
    recommendations: {
      holdout: ReturnType<typeof holdoutHitRate> | null;
      items: ReturnType<typeof fitItemModel>;
    };
    gold: { revenueOrders: number; customers: number; asOf: string; orderLines: number };
  },
): Promise<{ metrics: Record<string, unknown>; version: string; dir: string }> {
  const { holdoutAuc, telco, horizon, y, cutoff } = m.churn;
  const { bgnbd, gammagamma } = m.clv;
  const { km, mean, sd, names, segmentOf } = m.segments;
  const { f1: sentimentF1, majorityF1 } = m.sentiment;
  const recsHoldout = m.recommendations.holdout;
  const items = m.recommendations.items;
  const asOf = m.gold.asOf;
  const metrics = {
    churn: {
      holdout_auc: holdoutAuc,
      ...(telco
        ? {
            telco_auc: telco.auc,
            telco_baseline_auc: telco.baselineAuc,
            telco_brier: telco.brier,
            telco_reliability: telco.reliability,
            importance: telco.importance,
          }
        : {}),
      horizon_days: horizon,
      positives_share: y.filter((v) => v === 1).length / y.length,
    },
    clv: { bgnbd, gammagamma, customers: m.clv.customers },
    segments: {
      k: 4,
      sizes: Object.fromEntries(names.map((n) => [n, km.clusters.filter((c) => segmentOf(c) === n).length])),
    },
    sentiment: { macro_f1: sentimentF1, majority_baseline_f1: majorityF1, test_rows: m.sentiment.testRows },
    recommendations: recsHoldout
      ? {
          hit_rate_at_5: recsHoldout.hitRate,
          popular_hit_rate_at_5: recsHoldout.popularHitRate,
          holdout_customers: recsHoldout.customers,
          holdout_cutoff: recsHoldout.cutoff,
          products: items.popular.length,
        }
      : { products: 0, note: 'gold.fact_order_items has no order lines: no recommendations' },
  };
  const lineage = {
    gold: {
      // The dataset, not where this machine keeps it: the same gold gives the same version anywhere.
      fact_orders: 'gold/fact_orders',
      revenue_orders: m.gold.revenueOrders,
      customers: m.gold.customers,
      as_of: asOf,
      order_lines: m.gold.orderLines,
    },
    churn: {
      features: CHURN_FEATURES,
      cutoff,
      horizon_days: horizon,
      train_rows: m.churn.trainRows,
      test_rows: m.churn.testRows,
    },
  };
  const version = `v${asOf.replace(/-/g, '')}-${createHash('sha256').update(JSON.stringify({ metrics, lineage })).digest('hex').slice(0, 8)}`;
  const dir = join(dataDir, 'models', version);
  await mkdir(dir, { recursive: true });
  const artifacts: Record<string, unknown> = {
    'churn-xgboost.json': m.churn.model,
    'clv.json': { bgnbd, gammagamma },
    'segments-kmeans.json': {
      centroids: km.centroids,
      mean,
      sd,
      names: km.centroids.map((_, i) => segmentOf(i)),
    },
    'sentiment-nb.json': m.sentiment.model,
    'recommendations-item2item.json': {
      popular: items.popular,
      neighbours: Object.fromEntries(items.neighbours),
    },
    'metrics.json': metrics,
    'lineage.json': lineage,
  };
  for (const [name, body] of Object.entries(artifacts))
    await writeFile(join(dir, name), JSON.stringify(body));
  await writeFile(join(dataDir, 'models', 'LATEST'), version);
  return { metrics, version, dir };
}

/** What the models train on, from gold: revenue orders, customers (first seen) and order lines. */
async function readGold(
  lakeDir: string,
  ordersFile: string,
): Promise<{
  purchases: { customerId: string; date: string; amount: number }[];
  customers: { id: string; firstSeen: string | null }[];
  lines: Purchase[];
  /** gold.churn_training and gold.churn_features as the trainer and the scorer read them. */
  training: (ChurnRow & { label: number; split: string })[];
  scoring: ChurnRow[];
}> {
  const engine = await openDuckDb();
  let purchases: { customerId: string; date: string; amount: number }[];
  let customers: { id: string; firstSeen: string | null }[];
  let lines: Purchase[] = [];
  const itemsFile = join(lakeDir, 'gold', 'fact_order_items', 'data.parquet');
  try {
    if (existsSync(itemsFile)) {
      lines = (
        await engine.rows<{ c: string; p: string; d: string }>(
          `SELECT customer_id AS c, product_id AS p, dt AS d FROM read_parquet(${lit(itemsFile)}) WHERE is_revenue AND customer_id IS NOT NULL ORDER BY 1, 3, 2`,
        )
      ).map((r) => ({ customerId: r.c, productId: r.p, date: r.d }));
    }
    purchases = (
      await engine.rows<{ c: string; d: string; a: number }>(
        `SELECT customer_id AS c, dt AS d, CAST(gross_usd AS DOUBLE) AS a FROM read_parquet(${lit(ordersFile)}) WHERE is_revenue AND customer_id IS NOT NULL ORDER BY 1, 2`,
      )
    ).map((r) => ({ customerId: r.c, date: r.d, amount: r.a }));
    customers = (
      await engine.rows<{ c: string; f: string | null }>(
        `SELECT customer_id AS c, strftime(CAST(first_seen_at AS DATE), '%Y-%m-%d') AS f FROM read_parquet(${lit(join(lakeDir, 'gold', 'dim_customer', 'data.parquet'))}) ORDER BY 1`,
      )
    ).map((r) => ({ id: r.c, firstSeen: r.f }));
    return { purchases, customers, lines, ...(await readChurnTables(engine, lakeDir)) };
  } finally {
    engine.close();
  }
}

interface ChurnRow {
  customerId: string;
  x: number[];
}

/** gold.churn_training and gold.churn_features, on the engine readGold has open. */
async function readChurnTables(
  engine: Awaited<ReturnType<typeof openDuckDb>>,
  lakeDir: string,
): Promise<{ training: (ChurnRow & { label: number; split: string })[]; scoring: ChurnRow[] }> {
  const file = (t: string) => join(lakeDir, 'gold', t, 'data.parquet');
  for (const t of ['churn_training', 'churn_features'])
    if (!existsSync(file(t)))
      throw new C360Error(`gold.${t} is missing under ${lakeDir}: run "c360 etl" first`);
  const cols = CHURN_FEATURES.map((f) => `CAST(${f} AS DOUBLE) AS ${f}`).join(', ');
  const row = (r: Record<string, unknown>): ChurnRow => ({
    customerId: r.customer_id as string,
    x: CHURN_FEATURES.map((f) => r[f] as number),
  });
  const training = await engine.rows<Record<string, unknown>>(
    `SELECT customer_id, CAST(label AS INTEGER) AS label, split, ${cols} FROM read_parquet(${lit(file('churn_training'))}) ORDER BY customer_id`,
  );
  const scoring = await engine.rows<Record<string, unknown>>(
    `SELECT customer_id, ${cols} FROM read_parquet(${lit(file('churn_features'))}) ORDER BY customer_id`,
  );
  return {
    training: training.map((r) => ({ ...row(r), label: r.label as number, split: r.split as string })),
    scoring: scoring.map(row),
  };
}

/** Segments: k-means on scaled recency / frequency / monetary, named by rules on the centroids. */
function fitSegments(summaryNow: RfmSummary[]) {
  const raw = summaryNow.map((s) => [s.T - s.recency, Math.log1p(s.frequency), Math.log1p(s.monetary)]);
  const mean = [0, 1, 2].map((j) => raw.reduce((a, r) => a + (r[j] as number), 0) / raw.length);
  const sd = [0, 1, 2].map(
    (j) =>
      Math.sqrt(raw.reduce((a, r) => a + ((r[j] as number) - (mean[j] as number)) ** 2, 0) / raw.length) || 1,
  );
  const scaled = raw.map((r) => r.map((v, j) => (v - (mean[j] as number)) / (sd[j] as number)));
  const rnd = seeded(360);
  const km = kmeans(scaled, 4, { seed: Math.floor(rnd() * 1e6), initialization: 'kmeans++' });
  // Value of a centroid: more purchases and spend, less time since the last one.
  const value = km.centroids.map((c) => (c[1] as number) + (c[2] as number) - (c[0] as number));
  const names = ['champions', 'loyal', 'needs_attention', 'at_risk'];
  const rankOf = value.map((v) => value.filter((w) => w > v).length);
  const segmentOf = (cluster: number) => names[rankOf[cluster] as number] as string;
  return { km, mean, sd, names, segmentOf };
}

/** Sentiment (social mentions and tickets): naive Bayes on the real airline tweets, macro-F1 on a holdout. */
async function fitSentiment() {
  const tweets = parseCsv(
    decodeMixed(await readFile(join(projectRoot(), 'data', 'sample', 'airline_tweets.csv'))),
  );
  const th = tweets[0]?.cells ?? [];
  const [ti, li] = [th.indexOf('text'), th.indexOf('airline_sentiment')];
  const labelled = tweets.slice(1).filter((r) => r.cells[ti] && r.cells[li]);
  const ts = split(labelled.length, 0.2, 7);
  const sentiment = trainSentiment(
    ts.train.map((i) => labelled[i]?.cells[ti] as string),
    ts.train.map((i) => labelled[i]?.cells[li] as string),
  );
  const actual = ts.test.map((i) => labelled[i]?.cells[li] as string);
  const sentimentF1 = macroF1(
    ts.test.map((i) => classify(sentiment, labelled[i]?.cells[ti] as string).label),
    actual,
  );
  const majorityF1 = macroF1(
    actual.map(() => 'negative'),
    actual,
  );
  return { sentiment, sentimentF1, majorityF1, actual };
}

/**
 * Scores for every customer in gold. A prospect (no revenue order yet) enters the models at first
 * contact as if it were a first purchase: no repeat days, T = weeks since first seen. So its churn
 * probability is the model's for that profile, P(alive) is 1 (BG/NBD has no dropout before a
 * first purchase), expected purchases follow the population rate, and its CLV prices them at
 * Gamma-Gamma's population mean spend. Its segment is the rule-based "prospect".
 */
async function writeScores(
  lakeDir: string,
  m: {
    customers: { id: string }[];
    summaryNow: RfmSummary[];
    prospects: RfmSummary[];
    churnOf: Map<string, number>;
    segment: (summaryIndex: number) => string;
    bgnbd: ReturnType<typeof fitBgNbd>;
    gammagamma: ReturnType<typeof fitGammaGamma>;
    asOf: string;
    version: string;
  },
) {
  const { customers, summaryNow, prospects, churnOf, segment, bgnbd, gammagamma, asOf, version } = m;
  const bySummary = new Map(summaryNow.map((s, i) => [s.customerId, i]));
  const byProspect = new Map(prospects.map((s, i) => [s.customerId, i]));
  const rows = customers.map(({ id }) => {
    const i = bySummary.get(id);
    const p = byProspect.get(id);
    const s = (i === undefined ? prospects[p as number] : summaryNow[i]) as RfmSummary;
    return {
      customer_id: id,
      scored_at: asOf,
      churn_probability: churnOf.get(id) ?? null,
      segment: i === undefined ? 'prospect' : segment(i),
      clv_12m_usd: Math.round(clv(bgnbd, gammagamma, s) * 100) / 100,
      p_alive: pAlive(bgnbd, s),
      expected_purchases_90d: expectedPurchases(bgnbd, s, 90 / 7),
      model_version: version,
    };
  });
  await writeGold(
    lakeDir,
    'customer_scores',
    rows,
    `SELECT customer_id, CAST(scored_at AS DATE) AS scored_at, CAST(churn_probability AS DOUBLE) AS churn_probability, segment,
     CAST(clv_12m_usd AS DECIMAL(18,2)) AS clv_12m_usd, CAST(p_alive AS DOUBLE) AS p_alive,
     CAST(expected_purchases_90d AS DOUBLE) AS expected_purchases_90d, model_version`,
    'customer_id',
  );
  return rows;
}

/** Rows → gold/<table>/data.parquet (typed by `select` over the rows), replaced atomically. */
async function writeGold(
  lakeDir: string,
  table: string,
  rows: Record<string, unknown>[],
  select: string,
  orderBy: string,
): Promise<void> {
  const target = join(lakeDir, 'gold', table);
  if (rows.length === 0) {
    // Nothing to score (e.g. no order lines): no table, rather than a stale one.
    await rm(target, { recursive: true, force: true });
    return;
  }
  await mkdir(target, { recursive: true });
  const tmpJson = join(target, '.rows.json');
  await writeFile(tmpJson, rows.map((r) => JSON.stringify(r)).join('\n'));
  const w = await openDuckDb();
  try {
    await w.run(
      `COPY (${select} FROM read_json(${lit(tmpJson)}, format = 'newline_delimited') ORDER BY ${orderBy})
       TO ${lit(join(target, '.data.parquet.tmp'))} (FORMAT parquet)`,
    );
  } finally {
    w.close();
  }
  await rename(join(target, '.data.parquet.tmp'), join(target, 'data.parquet'));
  await unlink(tmpJson);
}

export async function latestMetrics(dataDir: string): Promise<{ version: string; metrics: unknown }> {
  const latest = join(dataDir, 'models', 'LATEST');
  if (!existsSync(latest))
    throw new C360Error(`no trained models under ${dataDir}: run "c360 models train" (or "npm start") first`);
  const version = (await readFile(latest, 'utf8')).trim();
  return {
    version,
    metrics: JSON.parse(await readFile(join(dataDir, 'models', version, 'metrics.json'), 'utf8')),
  };
}
