import { parseCsv } from '../domain/batch/csv';
import { C360Error } from '../domain/errors';
import { type CustomerModels, type RfmRow, scoreCustomer, scoresCsv } from '../domain/models/customer-models';
import { CHURN_FEATURES, SCORING_COLUMNS } from '../domain/models/features';
import type { ObjectStore } from '../ports/object-store';
import type { Scorer } from '../ports/scorer';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * Scoring step (one item of the daily pipeline's scoring Map), every per-customer model at once:
 * reads a feature batch (`features/model=customer/dt=<d>/batch-<n>.csv`, SCORING_COLUMNS), scores
 * churn through the Scorer port (the SageMaker endpoint in AWS, the model in-process embedded)
 * and applies the customer models (CLV, P(alive), segments: the artifact the registry's live
 * version names) with the same code the trainer uses, and writes the customer_scores rows to
 * `scores/model=customer/dt=<d>/batch-<n>.csv`: the S3 output the warehouse loads. Re-running a
 * batch rewrites the same key: idempotent.
 */
export interface ScoreDeps {
  /** The lake: feature batches in, score batches out. */
  objects: ObjectStore;
  /** Where the model artifacts are (the lake's models/ in AWS, the data folder embedded). */
  models: ObjectStore;
  scorer: Scorer;
  logger: LoggerPort;
  metrics: MetricsPort;
}

/** The live model versions prepare-scoring read from the registry, and the customer models' artifact. */
export interface ScoringModels {
  /** What every score row carries (docs/models.md: churn and customer-model versions). */
  version: string;
  customerModelsKey: string;
}

export interface ScoreInput {
  date: string;
  batch: number;
  models: ScoringModels;
}

export const scoreBatchKey = (kind: 'features' | 'scores', date: string, batch: number) =>
  `${kind}/model=customer/dt=${date}/batch-${batch}.csv`;

/** A feature batch's rows as the models take them (columns by name, checked against SCORING_COLUMNS). */
export function readScoringRows(
  text: string,
  where: string,
): { rfm: RfmRow; asOf: string; features: string[] }[] {
  const rows = parseCsv(text);
  const header = rows[0]?.cells ?? [];
  if (header.join(',') !== SCORING_COLUMNS.join(','))
    throw new C360Error(
      `${where}: the columns are ${header.join(',') || '(none)'}, expected ${SCORING_COLUMNS.join(',')}`,
    );
  const col = (name: string) => header.indexOf(name);
  const num = (cells: string[], name: string, line: number) => {
    const v = Number(cells[col(name)]);
    if (cells[col(name)] === '' || !Number.isFinite(v))
      throw new C360Error(`${where} line ${line}: ${name} is not a number: "${cells[col(name)]}"`);
    return v;
  };
  return rows.slice(1).map(({ cells, line }) => {
    const buyer = cells[col('is_buyer')];
    if (buyer !== 'true' && buyer !== 'false')
      throw new C360Error(`${where} line ${line}: is_buyer must be true or false, got "${buyer}"`);
    const asOf = cells[col('as_of')] as string;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf))
      throw new C360Error(`${where} line ${line}: as_of must be YYYY-MM-DD, got "${asOf}"`);
    return {
      rfm: {
        customerId: cells[0] as string,
        frequency: num(cells, 'frequency', line),
        recency: num(cells, 'recency_weeks', line),
        T: num(cells, 'tenure_weeks', line),
        monetary: num(cells, 'monetary', line),
        buyer: buyer === 'true',
      },
      asOf,
      features: CHURN_FEATURES.map((f) => String(num(cells, f, line))),
    };
  });
}

export const createScoreHandler = (deps: ScoreDeps) => {
  // One artifact per warm container and version: the Map sends every batch the same key.
  const loaded = new Map<string, Promise<CustomerModels>>();
  const customerModels = (key: string) => {
    let m = loaded.get(key);
    if (!m) {
      m = deps.models
        .get(key)
        .then((b) => JSON.parse(b.toString('utf8')) as CustomerModels)
        .catch((err) => {
          loaded.delete(key);
          throw new C360Error(`the customer models ${key} cannot be read: ${(err as Error).message}`);
        });
      loaded.set(key, m);
    }
    return m;
  };
  return async (input: ScoreInput) => {
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(input.date ?? '') ||
      !Number.isInteger(input.batch) ||
      input.batch < 0 ||
      !input.models?.version ||
      !input.models.customerModelsKey
    ) {
      throw new C360Error(
        `the scoring input needs {date: YYYY-MM-DD, batch: n, models: {version, customerModelsKey}}, got ${JSON.stringify(input)}`,
      );
    }
    const featuresKey = scoreBatchKey('features', input.date, input.batch);
    const rows = readScoringRows((await deps.objects.get(featuresKey)).toString('utf8'), featuresKey);
    const models = await customerModels(input.models.customerModelsKey);
    const churn = await deps.scorer.score(rows.map((r) => r.features.join(',')));
    const scored = rows.map((r, i) =>
      scoreCustomer(models, r.rfm, churn[i] ?? null, r.asOf, input.models.version),
    );
    const scoresKey = scoreBatchKey('scores', input.date, input.batch);
    await deps.objects.put(scoresKey, scoresCsv(scored));
    deps.metrics.addMetric('CustomersScored', 'Count', rows.length);
    deps.metrics.publishStoredMetrics();
    deps.logger.info('batch scored', { date: input.date, batch: input.batch, rows: rows.length });
    return { scoresKey, rows: rows.length };
  };
};
