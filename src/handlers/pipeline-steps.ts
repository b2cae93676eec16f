import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { parseCsv } from '../domain/batch/csv';
import { C360Error } from '../domain/errors';
import { addDays } from '../domain/instant';
import {
  CUSTOMER_MODELS_CODE,
  type CustomerModels,
  fitCustomerModels,
} from '../domain/models/customer-models';
import { binCounts, featureReference, psi, type Reference } from '../domain/models/drift';
import { CHURN_FEATURES, SCORING_COLUMNS } from '../domain/models/features';
import {
  DRIFT_PSI_THRESHOLD,
  healthRows,
  type ModelHealth,
  type ModelHealthRow,
} from '../domain/models/health';
import { MODELS, type ModelName, type ModelRegistry, scoreVersion } from '../domain/models/registry';
import { WAREHOUSE_TABLES } from '../domain/warehouse/model';
import {
  type ReconcileRow,
  reconciledTables,
  reconcileRows,
  reconcileSql,
} from '../domain/warehouse/reconcile';
import type { ObjectStore } from '../ports/object-store';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';
import { readScoringRows, type ScoringModels, scoreBatchKey } from './score';

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
  /**
   * Loads the day's score files (the scoring Map's `batches` outputs under scores/model=customer/)
   * into customer_scores (Redshift: a manifest of them, COPY as CSV, merge).
   */
  loadScores: (date: string, batches: number) => Promise<void>;
  /** Refills the materialized reporting tables (after the loads of a step). */
  refreshReporting: () => Promise<void>;
  /** Creates the warehouse's schemas, tables and reporting layer (after a deploy; idempotent). */
  setupWarehouse: () => Promise<void>;
  /**
   * Splits the day's feature export (the Athena result of gold.churn_features at `featuresUri`)
   * into scoring batches (splitFeatures) and names the model version they are scored with.
   */
  prepareScoring: (
    date: string,
    featuresUri: string,
  ) => Promise<{ batches: number[]; modelVersion: string; models: ScoringModels }>;
  /**
   * Writes the day's summary and its week's digest (writeReportsFor), also under each filter set
   * of the report subscriptions; returns their keys.
   */
  writeReports: (date: string, filters: Record<string, string>[]) => Promise<string[]>;
  /**
   * Runs one reconciliation query (domain/warehouse/reconcile.ts) in the warehouse: Redshift reads
   * the lake's gold through its Spectrum schema.
   */
  reconcileRows?: (sql: string) => Promise<{ day: string; n: string | number; w: string | number }[]>;
  /** The relation the warehouse reads a gold table of the lake through (Redshift: `lake_gold.<table>`). */
  lakeGold?: (table: string) => string;
  /** The elapsed times (ms) of the dashboards' warehouse queries that ended in the last minutes. */
  dashboardQueryMs?: (windowMinutes: number) => Promise<number[]>;
  metrics?: MetricsPort;
  /** The model registry and the lake it keeps artifacts in (the training state machine's steps). */
  models?: {
    lake: ObjectStore;
    registry: ModelRegistry;
    lakeKey: (uri: string) => string;
    /** Upserts the model-health step's rows into the warehouse's model_health table. */
    writeHealth?: (rows: ModelHealthRow[]) => Promise<void>;
  };
}

/** The warehouse table the scoring Map's files load into. */
export const SCORES_TABLE = 'customer_scores';

/** Rows per scoring batch: one score Lambda invocation, well under the endpoint's 6 MB payload. */
export const SCORING_BATCH_ROWS = 500;

/**
 * The feature export (CSV with a header, SCORING_COLUMNS: Athena quotes every field, DuckDB does
 * not) → `features/model=customer/dt=<date>/batch-<n>.csv` of SCORING_BATCH_ROWS rows each, for
 * the scoring Map (quoted where a value needs it: an id is kept as sent). Returns the batch numbers.
 */
export async function splitFeatures(
  objects: ObjectStore,
  exportKey: string,
  date: string,
): Promise<number[]> {
  const rows = parseCsv((await objects.get(exportKey)).toString('utf8')).filter((r) =>
    r.cells.some((c) => c !== ''),
  );
  const header = rows[0]?.cells ?? [];
  if (header.join(',') !== SCORING_COLUMNS.join(','))
    throw new C360Error(
      `${exportKey}: the feature export's columns are ${header.join(',') || '(none)'}, expected ${SCORING_COLUMNS.join(',')} (gold.churn_features is out of step with the models)`,
    );
  const body = rows.slice(1).map((r) => r.cells);
  const batches: number[] = [];
  for (let i = 0; i * SCORING_BATCH_ROWS < body.length; i++) {
    await objects.put(
      scoreBatchKey('features', date, i),
      stringify(body.slice(i * SCORING_BATCH_ROWS, (i + 1) * SCORING_BATCH_ROWS), {
        header: true,
        columns: SCORING_COLUMNS,
      }),
    );
    batches.push(i);
  }
  return batches;
}

/**
 * What the day's scoring uses: the registry's live churn and customer-model versions (the score
 * rows carry both), or "none" while either was never deployed (a fresh stack: the day publishes
 * without scores).
 */
export async function liveScoringModels(
  registry: ModelRegistry,
): Promise<{ modelVersion: string; models: ScoringModels }> {
  const [churn, customer] = [await registry.live('churn'), await registry.live('customer')];
  if (!churn || !customer)
    return { modelVersion: 'none', models: { version: 'none', customerModelsKey: '' } };
  const version = scoreVersion(churn.version, customer.version);
  return { modelVersion: version, models: { version, customerModelsKey: customer.artifact } };
}

/**
 * The training state machine's fit step (AWS: the pipeline-steps Lambda over the Athena export of
 * gold.churn_features; embedded: the same function over DuckDB's): the customer models fitted by
 * the code the embedded trainer runs, written to `models/customer/<version>/customer-models.json`
 * in the lake, registered and made live. The version is the as-of day and a hash of the fitted
 * models, so a retried step registers the same version again.
 */
export async function fitAndRegisterCustomerModels(o: {
  /** Where the export is (the lake) and where artifacts go (the lake in AWS, the data folder embedded). */
  exports: ObjectStore;
  artifacts: ObjectStore;
  registry: ModelRegistry;
  exportKey: string;
  now: Date;
}): Promise<{ version: string; buyers: number; customers: number }> {
  const { exportKey, registry, now } = o;
  const rows = readScoringRows((await o.exports.get(exportKey)).toString('utf8'), exportKey);
  const asOf = rows[0]?.asOf;
  if (!asOf)
    throw new C360Error(`${exportKey}: gold.churn_features is empty: nothing to fit the customer models on`);
  const models = fitCustomerModels(rows.map((r) => r.rfm));
  const version = `v${asOf.replace(/-/g, '')}-${createHash('sha256').update(JSON.stringify(models)).digest('hex').slice(0, 8)}`;
  const artifact = `models/customer/${version}/customer-models.json`;
  await o.artifacts.put(artifact, JSON.stringify(models));
  await registry.register(
    {
      model: 'customer',
      version,
      registeredAt: now.toISOString(),
      codeVersion: CUSTOMER_MODELS_CODE,
      training: { asOf, rows: models.fitted.buyers },
      metrics: { ...models.clv, customers: models.fitted.buyers, segments: models.fitted.sizes },
      artifact,
    },
    { promote: true },
  );
  return { version, buyers: models.fitted.buyers, customers: rows.length };
}

/**
 * The training state machine's last step: the churn model the endpoint now serves, registered and
 * made live (the version is the training job's name; its deployment is the endpoint
 * configuration of the same name, which a rollback points the endpoint back to).
 */
export async function registerChurn(
  registry: ModelRegistry,
  e: { job?: string; artifacts?: string; auc?: number; date?: string; image?: string },
  now: Date,
): Promise<{ version: string }> {
  if (!e.job || !e.artifacts || typeof e.auc !== 'number' || !e.date || !DATE.test(e.date))
    throw new C360Error('register-churn needs {job, artifacts, auc, date: YYYY-MM-DD}');
  await registry.register(
    {
      model: 'churn',
      version: e.job,
      registeredAt: now.toISOString(),
      codeVersion: `sagemaker xgboost ${e.image ?? ''}`.trim(),
      training: { asOf: e.date },
      metrics: { validation_auc: e.auc },
      artifact: e.artifacts,
      deployment: { endpointConfig: e.job },
    },
    { promote: true },
  );
  return { version: e.job };
}

/**
 * After the day is scored: how far today's inputs and scores have moved from what the live models
 * were fitted on (population stability index per feature and of the churn score), published as
 * metrics (ModelFeaturePsiMax, ModelScorePsi: the ModelDriftAlarm) and kept as a health record
 * (`models/health/dt=<date>.json`). Retrain when any PSI passes DRIFT_PSI_THRESHOLD, or when no
 * model is live at all (a fresh stack need not wait for the weekly schedule).
 */
export async function modelHealth(o: {
  lake: ObjectStore;
  artifacts: ObjectStore;
  registry: ModelRegistry;
  date: string;
  batches: number;
  metrics?: MetricsPort;
  /** Writes the day's rows into the warehouse's model_health table (the Model Health dashboard). */
  writeRows?: (rows: ModelHealthRow[]) => Promise<void>;
  now: Date;
}): Promise<ModelHealth> {
  const [churn, customer] = [await o.registry.live('churn'), await o.registry.live('customer')];
  const base = {
    date: o.date,
    versions: { churn: churn?.version ?? null, customer: customer?.version ?? null },
    customers: 0,
    featurePsi: {},
    featurePsiMax: 0,
    scorePsi: 0,
  };
  if (!churn || !customer) return { ...base, retrain: true, reason: 'no live model: first training' };
  if (o.batches === 0) return { ...base, retrain: false, reason: 'nothing scored' };
  const features: number[][] = CHURN_FEATURES.map(() => []);
  const scores: number[] = [];
  for (let b = 0; b < o.batches; b++) {
    const fk = scoreBatchKey('features', o.date, b);
    for (const r of readScoringRows((await o.lake.get(fk)).toString('utf8'), fk))
      r.features.forEach((v, j) => {
        features[j]?.push(Number(v));
      });
    const rows = parseCsv((await o.lake.get(scoreBatchKey('scores', o.date, b))).toString('utf8'));
    const at = rows[0]?.cells.indexOf('churn_probability') ?? -1;
    for (const r of rows.slice(1)) if (r.cells[at] !== '') scores.push(Number(r.cells[at]));
  }
  const models = JSON.parse((await o.artifacts.get(customer.artifact)).toString('utf8')) as CustomerModels;
  const featurePsi = Object.fromEntries(
    CHURN_FEATURES.map((f, j) => {
      const ref = models.reference?.[f];
      return [f, ref ? psi(ref, binCounts(ref.edges, features[j] ?? [])) : 0];
    }),
  );
  // The score reference: the training-time scores (embedded trainer) or, for a model trained
  // where that is not known (SageMaker), its first scored day.
  let scoreRef = (churn.reference as { score?: Reference } | undefined)?.score;
  if (!scoreRef && scores.length) {
    scoreRef = featureReference(scores);
    await o.registry.register({ ...churn, reference: { score: scoreRef } }, { promote: false });
  }
  const scorePsi = scoreRef ? psi(scoreRef, binCounts(scoreRef.edges, scores)) : 0;
  const featurePsiMax = Math.max(0, ...Object.values(featurePsi));
  const drifted = [
    ...Object.entries(featurePsi)
      .filter(([, v]) => v > DRIFT_PSI_THRESHOLD)
      .map(([f, v]) => `${f} PSI ${v.toFixed(3)}`),
    ...(scorePsi > DRIFT_PSI_THRESHOLD ? [`churn score PSI ${scorePsi.toFixed(3)}`] : []),
  ];
  const health: ModelHealth = {
    ...base,
    customers: features[0]?.length ?? 0,
    featurePsi,
    featurePsiMax,
    scorePsi,
    retrain: drifted.length > 0,
    reason: drifted.length ? `drift over ${DRIFT_PSI_THRESHOLD}: ${drifted.join(', ')}` : 'stable',
  };
  o.metrics?.addMetric('ModelFeaturePsiMax', 'Count', featurePsiMax);
  o.metrics?.addMetric('ModelScorePsi', 'Count', scorePsi);
  o.metrics?.publishStoredMetrics();
  await o.artifacts.put(
    `models/health/dt=${o.date}.json`,
    `${JSON.stringify({ ...health, at: o.now.toISOString() })}\n`,
  );
  await o.writeRows?.(healthRows(health));
  return health;
}

/**
 * A rollback (the training state machine's input {"rollback": model}): the version live before
 * the current one, and for churn the endpoint configuration that serves it. Planned first
 * (commit false: nothing changes), committed to the registry once the endpoint serves it.
 */
export async function rollbackModel(
  registry: ModelRegistry,
  model: unknown,
  commit: boolean,
): Promise<{ model: ModelName; from: string; to: string; endpointConfig: string }> {
  if (typeof model !== 'string' || !(MODELS as readonly string[]).includes(model))
    throw new C360Error(`rollback needs a model: one of ${MODELS.join(', ')}, got ${JSON.stringify(model)}`);
  const name = model as ModelName;
  const r = await registry.record(name);
  const [from, to] = [r.live, r.previous[0]];
  if (!from || !to)
    throw new C360Error(
      `${name} has no earlier live version to roll back to (live: ${from ?? 'none'}); see "c360 models list"`,
    );
  const deployed = (v: string) => r.versions.find((x) => x.version === v)?.deployment?.endpointConfig ?? '';
  // An endpoint serves the live churn model (AWS): the previous one must have a configuration to
  // point it back to. A model scored in-process (the embedded trainer's) has none and needs none.
  const endpointConfig = deployed(to);
  if (deployed(from) && !endpointConfig)
    throw new C360Error(
      `${name} ${to} has no endpoint configuration recorded: retrain instead (c360 models deploy)`,
    );
  if (commit) await registry.rollback(name);
  return { model: name, from, to, endpointConfig };
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

/**
 * A Redshift COPY manifest of the day's score files (every batch mandatory: a missing one fails the
 * load instead of loading part of the day).
 */
export function scoresManifest(bucket: string, date: string, batches: number): string {
  return JSON.stringify({
    entries: Array.from({ length: batches }, (_, b) => ({
      url: `s3://${bucket}/${scoreBatchKey('scores', date, b)}`,
      mandatory: true,
    })),
  });
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
  /** load-scores: the scoring Map's results, one per batch (empty when no model was live). */
  scored?: unknown[];
  /** rollback-model: which model, and whether to commit (after the endpoint serves it) or plan. */
  model?: string;
  commit?: boolean;
  /** register-churn: the training job, its model artifacts, its validation AUC and image. */
  job?: string;
  artifacts?: string;
  auc?: number;
  image?: string;
  /** dashboard-latency: how many minutes back to read (the schedule's rate). */
  windowMinutes?: number;
  /** write-reports: the filter sets the report subscriptions ask for (PlanReports). */
  filters?: Record<string, string>[];
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
      // One table at a time: a load per table never overlaps another of the same table. The
      // scores come from the Map's files (none when no model was live: the table keeps its rows).
      const scored = event.step === 'load-scores' ? (event.scored?.length ?? 0) : 0;
      for (const t of tables) {
        if (t === SCORES_TABLE) {
          if (scored > 0) await deps.loadScores(event.date, scored);
        } else await deps.loadTable(t, event.date);
      }
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
    case 'fit-customer-models': {
      if (!deps.models) throw new C360Error('fit-customer-models needs the lake (not configured here)');
      if (!event.featuresUri?.startsWith('s3://'))
        throw new C360Error(
          'fit-customer-models needs {featuresUri: s3://…} (the Athena export of gold.churn_features)',
        );
      return fitAndRegisterCustomerModels({
        exports: deps.models.lake,
        artifacts: deps.models.lake,
        registry: deps.models.registry,
        exportKey: deps.models.lakeKey(event.featuresUri),
        now: deps.now(),
      });
    }
    case 'model-health': {
      if (!deps.models)
        throw new C360Error('model-health needs the lake and the registry (not configured here)');
      if (!event.date || !DATE.test(event.date)) throw new C360Error('model-health needs {date: YYYY-MM-DD}');
      return modelHealth({
        lake: deps.models.lake,
        artifacts: deps.models.lake,
        registry: deps.models.registry,
        date: event.date,
        batches: event.scored?.length ?? 0,
        metrics: deps.metrics,
        now: deps.now(),
      });
    }
    case 'rollback-model':
      if (!deps.models) throw new C360Error('rollback-model needs the registry (not configured here)');
      return rollbackModel(deps.models.registry, event.model, event.commit === true);
    case 'register-churn':
      if (!deps.models) throw new C360Error('register-churn needs the registry (not configured here)');
      return registerChurn(deps.models.registry, event, deps.now());
    case 'write-reports': {
      if (!event.date || !DATE.test(event.date))
        throw new C360Error('write-reports needs {date: YYYY-MM-DD}');
      if (
        event.filters !== undefined &&
        !(
          Array.isArray(event.filters) &&
          event.filters.every(
            (f) => f && typeof f === 'object' && Object.values(f).every((v) => typeof v === 'string'),
          )
        )
      )
        throw new C360Error('write-reports: filters must be a list of {name: value} objects (PlanReports)');
      const reports = await deps.writeReports(event.date, event.filters ?? []);
      deps.logger.info('reports written', { date: event.date, reports });
      return { reports };
    }
    case 'prepare-scoring': {
      if (!event.date || !DATE.test(event.date) || !event.featuresUri?.startsWith('s3://'))
        throw new C360Error('prepare-scoring needs {date: YYYY-MM-DD, featuresUri: s3://…}');
      return deps.prepareScoring(event.date, event.featuresUri);
    }
    case 'reconcile': {
      // Every day of the gold facts that keep history past silver, lake against warehouse; a day
      // that differs is a metric (LakeWarehouseDivergenceAlarm) and the run's notice, not a failure.
      if (!deps.reconcileRows || !deps.lakeGold || !deps.metrics)
        throw new C360Error(
          'reconcile needs the warehouse, the lake gold schema and metrics (not configured here)',
        );
      const rows: ReconcileRow[] = [];
      for (const t of reconciledTables())
        rows.push(...reconcileRows(t.name, await deps.reconcileRows(reconcileSql(t, deps.lakeGold(t.name)))));
      const divergent = rows.filter((r) => !r.agrees);
      deps.metrics.addMetric('LakeWarehouseDivergentDays', 'Count', divergent.length);
      deps.metrics.publishStoredMetrics();
      if (divergent.length)
        deps.logger.warn('lake and warehouse differ', { divergent: divergent.slice(0, 20) });
      return {
        days: rows.length,
        divergent: divergent.length,
        first: divergent[0]
          ? `${divergent[0].table} ${divergent[0].day}: lake ${divergent[0].lake_rows}, warehouse ${divergent[0].warehouse_rows}`
          : '',
      };
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

export { DRIFT_PSI_THRESHOLD, type ModelHealth } from '../domain/models/health';
