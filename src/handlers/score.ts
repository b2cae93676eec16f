import { parseCsv } from '../domain/batch/csv';
import { C360Error } from '../domain/errors';
import type { ObjectStore } from '../ports/object-store';
import type { Scorer } from '../ports/scorer';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * Scoring step (one item of the pipeline's scoring Map): reads a feature batch
 * (`features/model=<m>/dt=<d>/batch-<n>.csv`: customer_id then the model's features), scores it
 * through the Scorer port (a SageMaker endpoint in AWS, the model in-process embedded) and writes
 * `scores/model=<m>/dt=<d>/batch-<n>.csv` (customer_id, score, model_version) for the warehouse to
 * load into customer_scores. Re-running a batch rewrites the same key: idempotent.
 */
export interface ScoreDeps {
  objects: ObjectStore;
  scorer: Scorer;
  model: string;
  modelVersion: string;
  logger: LoggerPort;
  metrics: MetricsPort;
}

export interface ScoreInput {
  date: string;
  batch: number;
  /** The version prepare-scoring read (the training state machine's latest); else the configured one. */
  modelVersion?: string;
}

export const createScoreHandler = (deps: ScoreDeps) => async (input: ScoreInput) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date ?? '') || !Number.isInteger(input.batch) || input.batch < 0) {
    throw new C360Error(`the scoring input needs {date: YYYY-MM-DD, batch: n}, got ${JSON.stringify(input)}`);
  }
  const suffix = `model=${deps.model}/dt=${input.date}/batch-${input.batch}.csv`;
  const rows = parseCsv((await deps.objects.get(`features/${suffix}`)).toString('utf8'));
  const header = rows[0]?.cells ?? [];
  if (header[0] !== 'customer_id')
    throw new C360Error(`features/${suffix}: the first column must be customer_id`);
  const body = rows.slice(1);
  const scores = await deps.scorer.score(body.map((r) => r.cells.slice(1).join(',')));
  const version = input.modelVersion || deps.modelVersion;
  const out = [
    'customer_id,score,model_version',
    ...body.map((r, i) => `${r.cells[0]},${scores[i]},${version}`),
  ];
  await deps.objects.put(`scores/${suffix}`, `${out.join('\n')}\n`);
  deps.metrics.addMetric('CustomersScored', 'Count', body.length);
  deps.metrics.publishStoredMetrics();
  deps.logger.info('batch scored', {
    model: deps.model,
    date: input.date,
    batch: input.batch,
    rows: body.length,
  });
  return { scoresKey: `scores/${suffix}`, rows: body.length };
};
