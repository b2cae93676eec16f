import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalScorer } from '../adapters/local/local-scorer';
import { FolderObjectStore } from '../adapters/local/object-store';
import { decodeMixed, parseCsv } from '../domain/batch/csv';
import { C360Error, NotEnoughHistoryError } from '../domain/errors';
import { addDays } from '../domain/instant';
import { evaluateChurn, loadXgboost, telcoDataset, trainXgboost, XGB_PARAMS } from '../domain/models/churn';
import {
  CUSTOMER_MODELS_CODE,
  type CustomerModels,
  fitCustomerModels,
  type RfmRow,
  scoreCustomer,
  scoresCsv,
} from '../domain/models/customer-models';
import { featureReference } from '../domain/models/drift';
import { CHURN_FEATURES } from '../domain/models/features';
import { auc, macroF1, split } from '../domain/models/metrics';
import { fitItemModel, holdoutHitRate, type Purchase } from '../domain/models/recommend';
import { type ModelName, ModelRegistry } from '../domain/models/registry';
import { classify, trainSentiment } from '../domain/models/sentiment';
import { duckdbColumnTypes, WAREHOUSE_TABLES } from '../domain/warehouse/model';
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
  /**
   * Score every customer into gold.customer_scores too (default true: `c360 models train`). The
   * daily pipeline says false: its scoring Map scores, once, with the versions the registry has live.
   */
  score?: boolean;
  onProgress?: (m: string) => void;
}): Promise<ModelsReport> {
  const say = opts.onProgress ?? (() => {});
  const ordersFile = join(opts.lakeDir, 'gold', 'fact_orders', 'data.parquet');
  if (!existsSync(ordersFile))
    throw new C360Error(`gold is empty under ${opts.lakeDir}: run "c360 etl" (or "npm start") first`);
  const { purchases, customers, lines, training, scoring } = await readGold(opts.lakeDir, ordersFile);
  if (purchases.length === 0 || !scoring.some((s) => s.rfm.buyer))
    throw new C360Error('gold has no revenue orders to train on');
  const asOf = scoring[0]?.asOf as string;

  // CLV and segments: the customer models, on gold.churn_features' RFM columns (the same module
  // the AWS fit step and the scoring Map run).
  say('fitting BG/NBD, Gamma-Gamma and k-means segments');
  const customerModels = fitCustomerModels(scoring.map((s) => s.rfm));

  // Churn: XGBoost on the ETL's own feature tables, as the SageMaker job trains and the scoring
  // Map scores: gold.churn_training (features as of the cutoff, the 90-day label, the train /
  // validation split) and gold.churn_features (every customer's features now).
  say('training churn (XGBoost) on gold.churn_training');
  const horizon = CHURN_HORIZON_DAYS;
  const cutoff = addDays(asOf, -horizon);
  const y = training.map((t) => t.label);
  const train = training.filter((t) => t.split === 'train');
  const test = training.filter((t) => t.split === 'validation');
  if (!train.length || !test.length)
    throw new NotEnoughHistoryError(
      `churn needs customers seen before its cutoff ${cutoff} (labelled ${horizon} days later) in both splits; gold.churn_training has ${train.length} training and ${test.length} validation rows`,
    );
  const xgb = await trainXgboost({
    features: CHURN_FEATURES,
    X: train.map((t) => t.x),
    y: train.map((t) => t.label),
  });
  const holdoutAuc = auc(
    xgb.predict(test.map((t) => t.x)),
    test.map((t) => t.label),
  );
  // What churn score drift is measured against: the scores of the population it scores now.
  const reference = { score: featureReference(xgb.predict(scoring.map((s) => s.x))) };
  const churnModel = xgb.model;
  xgb.free();

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
      reference,
    },
    customer: customerModels,
    sentiment: { model: sentiment, f1: sentimentF1, majorityF1, testRows: actual.length },
    recommendations: { holdout: recsHoldout, items },
    gold: {
      revenueOrders: purchases.length,
      customers: customers.length,
      asOf,
      orderLines: lines.length,
    },
  });

  if (opts.score === false) return { version, asOf, customersScored: 0, metrics, artifactsDir: dir };
  say('scoring customers');
  const booster = await loadXgboost(churnModel);
  try {
    const scorer = opts.scorer ?? new LocalScorer((X) => booster.predict(X));
    const churn = await scorer.score(scoring.map((s) => s.x.join(',')));
    const rows = scoring.map((s, i) =>
      scoreCustomer(customerModels, s.rfm, churn[i] ?? null, s.asOf, version),
    );
    const csv = join(opts.lakeDir, 'gold', '.customer_scores.csv');
    await writeFile(csv, scoresCsv(rows));
    await materializeScores(opts.lakeDir, [csv]);
    await unlink(csv);
    return { version, asOf, customersScored: rows.length, metrics, artifactsDir: dir };
  } finally {
    booster.free();
  }
}

/**
 * The day's score files (customer_scores rows as CSV, the scoring Map's output or the trainer's)
 * → gold/customer_scores/data.parquet, typed as the warehouse table, ordered by customer, replaced
 * atomically. In AWS the score files themselves are the table (a Glue table over scores/, which
 * Athena reads and Redshift COPYs); embedded readers take Parquet as for every gold table.
 */
export async function materializeScores(lakeDir: string, files: string[]): Promise<number> {
  const target = join(lakeDir, 'gold', 'customer_scores');
  await mkdir(target, { recursive: true });
  const w = await openDuckDb();
  try {
    // Typed as the warehouse table (the score files' header is its columns, SCORE_COLUMNS).
    const types = duckdbColumnTypes(
      WAREHOUSE_TABLES.find((t) => t.name === 'customer_scores') as (typeof WAREHOUSE_TABLES)[number],
    );
    const columns = `{${Object.entries(types)
      .map(([k, v]) => `${lit(k)}: ${lit(v)}`)
      .join(', ')}}`;
    await w.run(
      `COPY (SELECT * FROM read_csv([${files.map(lit).join(', ')}], header = true, columns = ${columns}, quote = '"', escape = '"', hive_partitioning = false)
         ORDER BY customer_id)
       TO ${lit(join(target, '.data.parquet.tmp'))} (FORMAT parquet)`,
    );
    const [n] = await w.rows<{ n: string }>(
      `SELECT count(*) AS n FROM read_parquet(${lit(join(target, '.data.parquet.tmp'))})`,
    );
    await rename(join(target, '.data.parquet.tmp'), join(target, 'data.parquet'));
    return Number(n?.n ?? 0);
  } finally {
    w.close();
  }
}

/** The code that trains each model: the algorithm and its fixed parameters (the registry's codeVersion). */
export const CODE_VERSIONS: Record<ModelName, string> = {
  churn: `xgboost-1.7 ${createHash('sha256').update(JSON.stringify(XGB_PARAMS)).digest('hex').slice(0, 8)}`,
  customer: CUSTOMER_MODELS_CODE,
  recommendations: 'item2item cosine, 50 neighbours, popularity fill',
  sentiment: 'multinomial naive bayes, negation marking',
};

/**
 * The trained models saved as a version: metrics and lineage first, the version id a hash of both
 * (a rerun on the same gold is the same version), every artifact under models/<version>/, then
 * LATEST pointed at it and every model registered and made live in the registry.
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
      reference: { score: ReturnType<typeof featureReference> };
    };
    customer: CustomerModels;
    sentiment: { model: unknown; f1: number; majorityF1: number; testRows: number };
    recommendations: {
      holdout: ReturnType<typeof holdoutHitRate> | null;
      items: ReturnType<typeof fitItemModel>;
    };
    gold: { revenueOrders: number; customers: number; asOf: string; orderLines: number };
  },
): Promise<{ metrics: Record<string, unknown>; version: string; dir: string }> {
  const { holdoutAuc, telco, horizon, y, cutoff } = m.churn;
  const { bgnbd, gammagamma } = m.customer.clv;
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
    clv: { bgnbd, gammagamma, customers: m.customer.fitted.buyers },
    segments: { k: m.customer.segments.centroids.length, sizes: m.customer.fitted.sizes },
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
    'customer-models.json': m.customer,
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
  // The registry (models/registry/<model>.json under the data folder): one entry per model.
  const registry = new ModelRegistry(new FolderObjectStore(dataDir));
  const registeredAt = new Date().toISOString();
  const entry = (
    model: ModelName,
    artifact: string,
    rows: number,
    modelMetrics: Record<string, unknown>,
  ) => ({
    model,
    version,
    registeredAt,
    codeVersion: CODE_VERSIONS[model],
    training: { asOf, rows },
    metrics: modelMetrics,
    artifact: `models/${version}/${artifact}`,
  });
  const { telco_reliability: _r, importance: _i, ...churnMetrics } = metrics.churn as Record<string, unknown>;
  await registry.register(
    {
      ...entry('churn', 'churn-xgboost.json', m.churn.trainRows + m.churn.testRows, churnMetrics),
      training: { asOf, rows: m.churn.trainRows + m.churn.testRows, cutoff, horizonDays: horizon },
      reference: m.churn.reference,
    },
    { promote: true },
  );
  await registry.register(
    entry('customer', 'customer-models.json', m.customer.fitted.buyers, {
      ...metrics.clv,
      segments: metrics.segments.sizes,
    }),
    { promote: true },
  );
  await registry.register(
    entry('recommendations', 'recommendations-item2item.json', m.gold.orderLines, metrics.recommendations),
    { promote: true },
  );
  await registry.register(entry('sentiment', 'sentiment-nb.json', m.sentiment.testRows, metrics.sentiment), {
    promote: true,
  });
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
  scoring: ScoringRow[];
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

/** A row of gold.churn_features: the churn features and the customer models' RFM inputs. */
interface ScoringRow extends ChurnRow {
  rfm: RfmRow;
  asOf: string;
}

/** gold.churn_training and gold.churn_features, on the engine readGold has open. */
async function readChurnTables(
  engine: Awaited<ReturnType<typeof openDuckDb>>,
  lakeDir: string,
): Promise<{ training: (ChurnRow & { label: number; split: string })[]; scoring: ScoringRow[] }> {
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
    `SELECT customer_id, ${cols}, is_buyer, CAST(as_of AS VARCHAR) AS as_of FROM read_parquet(${lit(file('churn_features'))}) ORDER BY customer_id`,
  );
  return {
    training: training.map((r) => ({ ...row(r), label: r.label as number, split: r.split as string })),
    scoring: scoring.map((r) => {
      const base = row(r);
      const [frequency, recency, T, monetary] = base.x as [number, number, number, number];
      return {
        ...base,
        rfm: { customerId: base.customerId, frequency, recency, T, monetary, buyer: r.is_buyer === true },
        asOf: r.as_of as string,
      };
    }),
  };
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
