import { parseCsv } from '../domain/batch/csv';
import { C360Error } from '../domain/errors';
import { addDays } from '../domain/instant';
import { WAREHOUSE_TABLES } from '../domain/warehouse/model';
import type { ObjectStore } from '../ports/object-store';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * The daily pipeline's small steps in AWS (one Lambda, `step` says which): resolve the run's date,
 * list a backfill's dates, load the warehouse through the Data API, prepare scoring batches. The
 * embedded runtime maps the same Task states to local handlers (src/runtime/pipeline.ts).
 */
export interface PipelineStepsDeps {
  now: () => Date;
  logger: LoggerPort;
  /** Loads one warehouse table for a date (Redshift Data API: COPY the export, merge). */
  loadTable: (table: string, date: string) => Promise<void>;
  /** Refills the materialized reporting tables (after the loads of a step). */
  refreshReporting: () => Promise<void>;
  /** Creates the warehouse's schemas, tables and reporting layer (after a deploy; idempotent). */
  setupWarehouse: () => Promise<void>;
  /**
   * Splits the day's feature export (the Athena result of gold.churn_features at `featuresUri`)
   * into scoring batches (splitFeatures) and names the model version they are scored with.
   */
  prepareScoring: (date: string, featuresUri: string) => Promise<{ batches: number[]; modelVersion: string }>;
  /** Writes the day's summary and its week's digest (writeReportsFor); returns their keys. */
  writeReports: (date: string) => Promise<string[]>;
  /** The elapsed times (ms) of the dashboards' warehouse queries that ended in the last minutes. */
  dashboardQueryMs?: (windowMinutes: number) => Promise<number[]>;
  metrics?: MetricsPort;
}

/** Rows per scoring batch: one score Lambda invocation, well under the endpoint's 6 MB payload. */
export const SCORING_BATCH_ROWS = 500;

/**
 * The feature export (CSV with a header, customer_id first: Athena quotes every field, DuckDB
 * does not) → `features/model=churn/dt=<date>/batch-<n>.csv` of SCORING_BATCH_ROWS rows each,
 * for the scoring Map. Returns the batch numbers.
 */
export async function splitFeatures(
  objects: ObjectStore,
  exportKey: string,
  date: string,
  features: readonly string[],
): Promise<number[]> {
  const rows = parseCsv((await objects.get(exportKey)).toString('utf8')).filter((r) =>
    r.cells.some((c) => c !== ''),
  );
  const header = rows[0]?.cells ?? [];
  const expected = ['customer_id', ...features];
  if (header.join(',') !== expected.join(','))
    throw new C360Error(
      `${exportKey}: the feature export's columns are ${header.join(',') || '(none)'}, expected ${expected.join(',')} (gold.churn_features is out of step with the model)`,
    );
  const body = rows.slice(1).map((r) => r.cells.join(','));
  const batches: number[] = [];
  for (let i = 0; i * SCORING_BATCH_ROWS < body.length; i++) {
    await objects.put(
      `features/model=churn/dt=${date}/batch-${i}.csv`,
      `${[expected.join(','), ...body.slice(i * SCORING_BATCH_ROWS, (i + 1) * SCORING_BATCH_ROWS)].join('\n')}\n`,
    );
    batches.push(i);
  }
  return batches;
}

/**
 * The training state machine's gate: the job's validation AUC (SageMaker's XGBoost reports
 * `validation:auc` with eval_metric=auc) against the floor. A model under it is not deployed.
 */
export function evaluateModel(
  metrics: PipelineStepEvent['metrics'],
  minAuc: string | number | undefined,
): { accept: boolean; auc: number } {
  const floor = Number(minAuc);
  if (!Number.isFinite(floor) || floor <= 0 || floor >= 1)
    throw new C360Error(`evaluate-model needs minAuc between 0 and 1, got ${JSON.stringify(minAuc)}`);
  const auc = (metrics ?? []).find((m) => m.MetricName === 'validation:auc')?.Value;
  if (typeof auc !== 'number' || !Number.isFinite(auc))
    throw new C360Error(
      `the training job reported no validation:auc (metrics: ${(metrics ?? []).map((m) => m.MetricName).join(', ') || 'none'}); set eval_metric=auc and a validation channel`,
    );
  return { accept: auc >= floor, auc };
}

/** s3://bucket/key → key, for an export in the lake bucket. */
export function lakeKey(uri: string, bucket: string): string {
  const prefix = `s3://${bucket}/`;
  if (!uri.startsWith(prefix))
    throw new C360Error(`the feature export ${uri} is not in the lake bucket ${bucket}`);
  return uri.slice(prefix.length);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Where the ETL runs: Glue (the default) or EMR Serverless (large backfills; docs/operations.md). */
export type EtlEngine = 'glue' | 'emr';
export interface RunInput {
  date?: string;
  engine?: string;
  from?: string;
  to?: string;
}

function engineOf(input: RunInput | undefined): EtlEngine {
  const engine = input?.engine ?? 'glue';
  if (engine !== 'glue' && engine !== 'emr')
    throw new C360Error(`engine must be "glue" or "emr", got "${engine}"`);
  return engine;
}

/**
 * A daily run's input → its date (default: yesterday, UTC), its ETL engine, and whether it is the
 * scheduled run (no date given: 1) whose deadline the on-time SLO measures.
 */
export function resolveRun(
  input: RunInput | undefined,
  now: Date,
): { date: string; engine: EtlEngine; scheduled: 0 | 1 } {
  const date = input?.date ?? new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
  if (!DATE.test(date)) throw new C360Error(`date must be YYYY-MM-DD, got "${date}"`);
  return { date, engine: engineOf(input), scheduled: input?.date === undefined ? 1 : 0 };
}

/** The on-time SLO's deadline: a run for day D is done by 06:00 UTC on D + 1. */
/**
 * Event to queryable: from the start of the run's date (its earliest event, UTC) until the day is
 * loaded in the warehouse, where dashboards and analysts read it (the queryable_freshness SLI).
 */
export function queryableLagMs(date: string, loadedAt: Date): number {
  return Math.max(0, loadedAt.getTime() - Date.parse(`${date}T00:00:00Z`));
}

export function onTime(date: string, finishedAt: Date): 0 | 1 {
  return finishedAt.getTime() <= Date.parse(`${addDays(date, 1)}T06:00:00Z`) ? 1 : 0;
}

/** A backfill's input → every date from..to (inclusive) and the engine each daily run uses. */
export function dateRange(input: RunInput): { dates: string[]; engine: EtlEngine } {
  const { from, to } = input;
  if (!from || !to || !DATE.test(from) || !DATE.test(to) || from > to) {
    throw new C360Error('a backfill needs {from, to} as YYYY-MM-DD with from <= to');
  }
  const dates: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) dates.push(d);
  return { dates, engine: engineOf(input) };
}

/** The Payload every pipeline-steps Task sends (`step` names the step). */
export interface PipelineStepEvent extends RunInput {
  step: string;
  input?: RunInput;
  /** 1 for the scheduled run (load-scores reports whether it finished on time). */
  scheduled?: number;
  /** prepare-scoring: the Athena result of the feature export. */
  featuresUri?: string;
  /** evaluate-model: the training job's FinalMetricDataList and the AUC floor. */
  metrics?: { MetricName?: string; Value?: number }[];
  minAuc?: string | number;
  /** dashboard-latency: how many minutes back to read (the schedule's rate). */
  windowMinutes?: number;
}

export const createPipelineStepsHandler = (deps: PipelineStepsDeps) => async (event: PipelineStepEvent) => {
  switch (event.step) {
    case 'resolve-date':
      return resolveRun(event.input, deps.now());
    case 'date-range':
      return dateRange(event);
    case 'load-warehouse':
    case 'load-scores': {
      if (!event.date || !DATE.test(event.date)) throw new C360Error('load steps need {date: YYYY-MM-DD}');
      // Model outputs (optionalGold) load after scoring; everything else from gold before it.
      const tables = WAREHOUSE_TABLES.filter((t) =>
        event.step === 'load-scores' ? 'optionalGold' in t.source : 'gold' in t.source,
      ).map((t) => t.name);
      // One table at a time: a load per table never overlaps another of the same table.
      for (const t of tables) await deps.loadTable(t, event.date);
      // The dashboards' pre-aggregated tables follow the loaded rows.
      await deps.refreshReporting();
      deps.logger.info('warehouse loaded', { date: event.date, tables });
      // The last step of a run: whether the scheduled run met its deadline (the on-time SLO).
      const scheduled = event.scheduled === 1 ? 1 : 0;
      const now = deps.now();
      return {
        tables,
        scheduled,
        onTime: scheduled && onTime(event.date, now),
        queryableLagMs: queryableLagMs(event.date, now),
      };
    }
    case 'setup-warehouse': {
      // Run once after each deploy (docs/deploy.md): schemas, tables from the model, the
      // reporting views and materialized tables, the reader role. Safe to run again.
      await deps.setupWarehouse();
      deps.logger.info('warehouse set up');
      return { setUp: true };
    }
    case 'evaluate-model':
      return evaluateModel(event.metrics, event.minAuc);
    case 'write-reports': {
      if (!event.date || !DATE.test(event.date))
        throw new C360Error('write-reports needs {date: YYYY-MM-DD}');
      const reports = await deps.writeReports(event.date);
      deps.logger.info('reports written', { date: event.date, reports });
      return { reports };
    }
    case 'prepare-scoring': {
      if (!event.date || !DATE.test(event.date) || !event.featuresUri?.startsWith('s3://'))
        throw new C360Error('prepare-scoring needs {date: YYYY-MM-DD, featuresUri: s3://…}');
      return deps.prepareScoring(event.date, event.featuresUri);
    }
    case 'dashboard-latency': {
      // Scheduled every 5 minutes: the window the schedule covers, as the DashboardQueryMs SLI.
      if (!deps.dashboardQueryMs || !deps.metrics)
        throw new C360Error('dashboard-latency needs the warehouse and metrics (not configured here)');
      const windowMinutes = event.windowMinutes ?? 5;
      const times = await deps.dashboardQueryMs(windowMinutes);
      for (const ms of times) deps.metrics.addMetric('DashboardQueryMs', 'Milliseconds', ms);
      deps.metrics.publishStoredMetrics();
      return { queries: times.length, windowMinutes };
    }
    default:
      throw new C360Error(`no pipeline step "${event.step}"`);
  }
};
