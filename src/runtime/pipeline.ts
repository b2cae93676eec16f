import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { FileAlertPublisher } from '../adapters/local/file-alerts';
import { LocalScorer } from '../adapters/local/local-scorer';
import { FolderObjectStore } from '../adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import { writeReportsFor } from '../dashboards/reports';
import { C360Error, DataQualityError, NotEnoughHistoryError } from '../domain/errors';
import { loadXgboost } from '../domain/models/churn';
import { ModelRegistry } from '../domain/models/registry';
import { bronzePartitions, completeness } from '../etl/completeness';
import { copyGoldQuery } from '../etl/lake-views';
import { runEtl } from '../etl/runner';
import { ALERTED_FAILURE, createAlertHandler } from '../handlers/alert';
import type { AudienceEvent } from '../handlers/audience-delivery';
import {
  dateRange,
  lakeKey,
  liveScoringModels,
  modelHealth,
  onTime,
  type PipelineStepEvent,
  queryableLagMs,
  resolveRun,
  splitFeatures,
} from '../handlers/pipeline-steps';
import { deliverReports, planReports } from '../handlers/report-delivery';
import { createScoreHandler, readScoringRows, type ScoreInput, scoreBatchKey } from '../handlers/score';
import { materializeScores, trainModels } from '../models/train';
import { projectRoot } from '../paths';
import { loadWarehouse, openWarehouse, upsertModelHealth } from '../warehouse/embedded';
import { reconcileLakeWarehouse } from '../warehouse/reconcile';
import { createLocalAudienceHandler } from './audiences';
import { localPaths } from './local';
import { syncComputedProfiles } from './profiles';
import { localSubscriptionDeps, withLocalReportDeps } from './reports';

/**
 * The embedded Step Functions: runs statemachines/*.asl.json themselves with
 * aws-local-stepfunctions. Every Task state is overridden by the local handler of its step and
 * answers in the service's response shape (Lambda's {Payload}, Glue's {Id, JobRunState}, …), so
 * the definition's ResultSelectors, Retries and Catches run exactly as in AWS.
 */

// aws-local-stepfunctions calls Promise.withResolvers (Node 22); Node 20 needs it supplied.
const P = Promise as unknown as {
  withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
};
P.withResolvers ??= <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** Local stand-ins for the ARNs template.yaml substitutes (the local handlers replace the calls). */
export const LOCAL_SUBSTITUTIONS: Record<string, string> = {
  PipelineStepsFunctionArn: 'arn:aws:lambda:local:000000000000:function:c360-pipeline-steps',
  ScoreFunctionArn: 'arn:aws:lambda:local:000000000000:function:c360-score',
  AudiencesFunctionArn: 'arn:aws:lambda:local:000000000000:function:c360-audiences',
  ReportsFunctionArn: 'arn:aws:lambda:local:000000000000:function:c360-reports',
  EtlJobName: 'c360-etl',
  EmrApplicationId: '00local0emr0app',
  EmrJobRoleArn: 'arn:aws:iam::000000000000:role/c360-emr-job',
  EtlScriptUri: 's3://c360-lake-local/artifacts/glue/run_sql.py',
  LakeBucketName: 'c360-lake-local',
  SqlPrefixUri: 's3://c360-lake-local/artifacts/sql/',
  AlertTopicArn: 'arn:aws:sns:local:000000000000:c360-alerts',
  DailyPipelineArn: 'arn:aws:states:local:000000000000:stateMachine:c360-daily-pipeline',
  BackfillArn: 'arn:aws:states:local:000000000000:stateMachine:c360-backfill',
  ReprocessFunctionArn: 'arn:aws:lambda:local:000000000000:function:c360-reprocess',
  TrainStateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:c360-train',
  PrivacyFunctionArn: 'arn:aws:lambda:local:000000000000:function:c360-privacy',
  SubjectAccessFunctionArn: 'arn:aws:lambda:local:000000000000:function:c360-subject-access',
  AthenaWorkGroupName: 'c360-local',
  GoldDatabaseName: 'c360_local_gold',
  LakeDatabaseName: 'c360_local',
  ForgetJobName: 'c360-forget',
  ProfilesJobName: 'c360-profiles-sync',
  ProfilesEnabled: 'true',
  RedshiftWorkgroupName: 'c360-local',
  RedshiftNamespaceName: 'c360-local',
  RedshiftDatabase: 'c360',
  RedshiftSecretArn: 'arn:aws:secretsmanager:local:000000000000:secret:c360-redshift',
  XgboostImageUri: 'local/sagemaker-xgboost:1.7-1',
  SageMakerRoleArn: 'arn:aws:iam::000000000000:role/c360-sagemaker',
  LakeKeyArn: 'arn:aws:kms:local:000000000000:key/c360-lake',
  MinChurnAuc: '0.75',
  ChurnEndpointName: 'c360-churn',
  CuratedCrawlerName: 'c360-local-curated',
  GoldCrawlerName: 'c360-local-gold',
};

export async function loadDefinition(
  name: string,
  substitutions = LOCAL_SUBSTITUTIONS,
): Promise<Record<string, unknown>> {
  const text = await readFile(join(projectRoot(), 'statemachines', `${name}.asl.json`), 'utf8');
  const rendered = text.replace(/\$\{(\w+)\}/g, (_, k: string) => {
    const v = substitutions[k];
    if (v === undefined) throw new C360Error(`statemachines/${name}.asl.json: no substitution for \${${k}}`);
    return v;
  });
  return JSON.parse(rendered) as Record<string, unknown>;
}

/**
 * AWS applies no time limit to a Task that sets no TimeoutSeconds (its documented default is
 * 99999999 s); the interpreter applies the specification's 60 s, which fails slow steps on a busy
 * machine. Every Task of ours sets its own (test/unit/statemachines/task-timeouts.test.ts); this makes
 * the embedded run behave as AWS would for any that does not.
 */
export const AWS_DEFAULT_TASK_TIMEOUT_S = 99_999_999;

export function withAwsTaskTimeouts(definition: Record<string, unknown>): Record<string, unknown> {
  const walk = (states: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries((states ?? {}) as Record<string, Record<string, unknown>>)) {
      const st = { ...raw };
      if (st.Type === 'Task' && st.TimeoutSeconds === undefined && st.TimeoutSecondsPath === undefined)
        st.TimeoutSeconds = AWS_DEFAULT_TASK_TIMEOUT_S;
      for (const key of ['ItemProcessor', 'Iterator'] as const) {
        const inner = st[key] as Record<string, unknown> | undefined;
        if (inner) st[key] = { ...inner, States: walk(inner.States) };
      }
      if (Array.isArray(st.Branches))
        st.Branches = (st.Branches as Record<string, unknown>[]).map((b) => ({
          ...b,
          States: walk(b.States),
        }));
      out[name] = st;
    }
    return out;
  };
  return { ...definition, States: walk(definition.States) };
}

export class StepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** A step's validation error as the Lambda would fail it (error name InvalidInput). */
function asStep<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new StepError('InvalidInput', err instanceof Error ? err.message : String(err));
  }
}

export interface PipelineOptions {
  dataDir: string;
  onState?: (event: {
    state: string;
    type: 'entered' | 'succeeded' | 'failed' | 'retried' | 'caught';
    detail?: string;
  }) => void;
  /** Test hook: wrap a step's local handler (inject throttling, failures). */
  wrap?: Record<string, (next: (input: unknown) => Promise<unknown>) => (input: unknown) => Promise<unknown>>;
  /** Retry waits in ms per state (default 0: embedded runs do not sleep through backoffs). */
  retryWaitMs?: number;
  /** The ETL engine the definition's ChooseEngine state picks: Glue (default) or EMR Serverless. */
  engine?: 'glue' | 'emr';
  /** Evaluate the churn model on the real Telco data too (default true). */
  benchmarks?: boolean;
}

export interface PipelineResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { name: string; cause: string };
  alerts: string[];
}

/**
 * A registered model's artifact, embedded: a key under the data folder (the trainer's
 * models/<version>/…) or an s3:// URI of the local lake bucket (the training state machine's job output).
 */
export async function readArtifact(dataDir: string, artifact: string): Promise<Buffer> {
  const bucket = `s3://${LOCAL_SUBSTITUTIONS.LakeBucketName}/`;
  return artifact.startsWith(bucket)
    ? readFile(join(localPaths(dataDir).lake, artifact.slice(bucket.length)))
    : new FolderObjectStore(dataDir).get(artifact);
}

/** The as-of day of a date's scoring batches (gold.churn_features' as_of), or null when there are none. */
async function featuresAsOf(
  lake: FolderObjectStore,
  date: string,
  batches: number[],
): Promise<string | null> {
  if (batches.length === 0) return null;
  const key = scoreBatchKey('features', date, 0);
  return readScoringRows((await lake.get(key)).toString('utf8'), key)[0]?.asOf ?? null;
}

/** The model a run's scoring Map uses, set by PrepareScoring and read by every ScoreBatch. */
interface ScoringState {
  scoring: { version: string; model: unknown } | null;
}

/** The pipeline-steps Lambda's steps, embedded (the same step names its handler switches on). */
function localPipelineSteps(opts: PipelineOptions, state: ScoringState) {
  const paths = localPaths(opts.dataDir);
  return async (input: PipelineStepEvent) => {
    switch (input.step) {
      case 'resolve-date':
        return { Payload: asStep(() => resolveRun(input.input, new Date())) };
      case 'load-warehouse':
      case 'load-scores': {
        // The day's score files are gold.customer_scores (AWS: a Glue table over them; here
        // Parquet, as every embedded gold table), loaded with the rest.
        const scored = input.step === 'load-scores' ? (input.scored?.length ?? 0) : 0;
        if (scored > 0)
          await materializeScores(
            paths.lake,
            Array.from({ length: scored }, (_, b) =>
              join(paths.lake, scoreBatchKey('scores', input.date as string, b)),
            ),
          );
        const r = await loadWarehouse({ dataDir: opts.dataDir, lakeDir: paths.lake });
        const m = new EmfMetrics('c360', 'c360-pipeline-steps', paths.metrics);
        m.addMetric(
          'WarehouseRowsLoaded',
          'Count',
          r.tables.reduce((a, t) => a + t.rowsLoaded, 0),
        );
        m.publishStoredMetrics();
        const scheduled = input.scheduled === 1 ? 1 : 0;
        return {
          Payload: {
            tables: r.tables.map((t) => t.table),
            scheduled,
            onTime: scheduled && onTime(input.date as string, new Date()),
            queryableLagMs: queryableLagMs(input.date as string, new Date()),
          },
        };
      }
      case 'prepare-scoring': {
        // Embedded, this is also where models are trained (the weekly training state machine's
        // stand-in): when nothing is live yet, or gold has data the live models were not fitted
        // on. Otherwise the registry's live versions score, as in AWS (a rollback holds).
        const lake = new FolderObjectStore(paths.lake);
        const exportKey = lakeKey(input.featuresUri ?? '', LOCAL_SUBSTITUTIONS.LakeBucketName as string);
        const batches = await splitFeatures(lake, exportKey, input.date as string);
        const registry = new ModelRegistry(new FolderObjectStore(opts.dataDir));
        const asOf = await featuresAsOf(lake, input.date as string, batches);
        let [churn, customer] = [await registry.live('churn'), await registry.live('customer')];
        if (asOf && (!churn || !customer || customer.training.asOf !== asOf)) {
          try {
            await trainModels({
              dataDir: opts.dataDir,
              lakeDir: paths.lake,
              benchmarks: opts.benchmarks,
              score: false,
            });
          } catch (err) {
            // A young lake: the run goes on with the live models (none yet: no scores today).
            if (!(err instanceof NotEnoughHistoryError)) throw err;
            opts.onState?.({
              state: 'PrepareScoring',
              type: 'succeeded',
              detail: `models not trained: ${err.message}`,
            });
          }
          [churn, customer] = [await registry.live('churn'), await registry.live('customer')];
        }
        const live = await liveScoringModels(registry);
        state.scoring =
          churn && live.modelVersion !== 'none'
            ? {
                version: churn.version,
                model: JSON.parse(
                  (await new FolderObjectStore(opts.dataDir).get(churn.artifact)).toString('utf8'),
                ),
              }
            : null;
        return { Payload: { batches, ...live } };
      }
      case 'date-range':
        return { Payload: asStep(() => dateRange(input)) };
      case 'model-health':
        return {
          Payload: await modelHealth({
            lake: new FolderObjectStore(paths.lake),
            artifacts: new FolderObjectStore(opts.dataDir),
            registry: new ModelRegistry(new FolderObjectStore(opts.dataDir)),
            date: input.date as string,
            batches: input.scored?.length ?? 0,
            metrics: new EmfMetrics('c360', 'c360-pipeline-steps', paths.metrics),
            writeRows: (rows) => upsertModelHealth(opts.dataDir, rows),
            now: new Date(),
          }),
        };
      default:
        throw new StepError('UnknownStep', `no pipeline step "${input.step}"`);
    }
  };
}

/**
 * The Glue job's role, embedded: the ETL for a date range, with the ETL's own metrics (the Glue
 * script emits the same with PutMetricData); a failure fails the task as the .sync integration
 * does (States.TaskFailed, the job's error as cause).
 */
function localEtlTask(paths: ReturnType<typeof localPaths>) {
  const etlMetrics = new EmfMetrics('c360', 'c360-etl', paths.metrics);
  return async (from: string, to: string): Promise<void> => {
    try {
      const r = await runEtl({ lakeDir: paths.lake, from, to });
      etlMetrics.addMetric('EtlSeconds', 'Seconds', r.ms / 1000);
      etlMetrics.addMetric(
        'EtlRowsWritten',
        'Count',
        r.steps.filter((s) => s.kind === 'partitioned' || s.kind === 'table').reduce((a, s) => a + s.rows, 0),
      );
      etlMetrics.addMetric('DataQualityFailures', 'Count', 0);
      // Rows a row-level rule flagged (published as sent): the DataQualityRowsFlagged alarm.
      etlMetrics.addMetric(
        'DataQualityRowsFlagged',
        'Count',
        r.steps.find((s) => s.name === 'dq_row_flags')?.rows ?? 0,
      );
      const c = completeness(await bronzePartitions(paths.lake), from, to);
      etlMetrics.addMetric('PartitionsExpected', 'Count', c.expected);
      etlMetrics.addMetric('PartitionsPresent', 'Count', c.present);
      etlMetrics.publishStoredMetrics();
    } catch (err) {
      if (err instanceof DataQualityError) {
        etlMetrics.addMetric('DataQualityFailures', 'Count', 1);
        etlMetrics.publishStoredMetrics();
      }
      // The .sync integrations fail the task with States.TaskFailed and the job's error as cause.
      throw new StepError('States.TaskFailed', err instanceof Error ? err.message : String(err));
    }
  };
}

/** Athena's role embedded: the query over the lake's gold tables with DuckDB, into athena-results/. */
async function athenaTask(lakeDir: string, i: unknown) {
  const { QueryString, QueryExecutionContext } = i as {
    QueryString: string;
    QueryExecutionContext: { Database: string };
  };
  const id = randomUUID();
  const key = `athena-results/${id}.csv`;
  // The Glue database of the query's context is the lake's gold schema here.
  if (QueryExecutionContext.Database !== LOCAL_SUBSTITUTIONS.GoldDatabaseName)
    throw new StepError('Athena.InvalidRequestException', `no database ${QueryExecutionContext.Database}`);
  try {
    await copyGoldQuery(lakeDir, QueryString, join(lakeDir, key), 'HEADER, FORCE_QUOTE *');
  } catch (err) {
    throw new StepError('States.TaskFailed', String(err));
  }
  return {
    QueryExecution: {
      QueryExecutionId: id,
      Status: { State: 'SUCCEEDED' },
      ResultConfiguration: { OutputLocation: `s3://${LOCAL_SUBSTITUTIONS.LakeBucketName}/${key}` },
    },
  };
}

function dailyHandlers(opts: PipelineOptions, alerts: string[]) {
  const paths = localPaths(opts.dataDir);
  const state: ScoringState = { scoring: null };
  const steps = localPipelineSteps(opts, state);
  const etl = localEtlTask(paths);
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
    ResolveDate: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    LoadWarehouse: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    PrepareScoring: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    LoadScores: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    ListDates: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    ModelHealth: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    RetrainNotice: alertTask(opts.dataDir, alerts),
    // The training state machine's stand-in, embedded: every model retrained on today's gold and
    // made live (in AWS the execution is started and runs on its own; the next day scores with it).
    StartRetraining: async () => {
      // In AWS the training execution fails on its own (and alerts); the daily run has done its part.
      const r = await trainModels({
        dataDir: opts.dataDir,
        lakeDir: paths.lake,
        benchmarks: false,
        score: false,
      }).catch((err) => {
        if (err instanceof NotEnoughHistoryError) return { version: 'not-enough-history' };
        throw err;
      });
      return {
        executionArn: `${LOCAL_SUBSTITUTIONS.TrainStateMachineArn}:retrain-${r.version}`,
        startDate: new Date(),
      };
    },
    RunEtl: async (i) => {
      const args = (i as { Arguments: Record<string, string> }).Arguments;
      await etl(args['--run_date_from'] as string, args['--run_date_to'] as string);
      return { Id: `jr_local_${args['--run_date_from']}`, JobRunState: 'SUCCEEDED' };
    },
    // EMR Serverless runs the same script with the same arguments, as spark-submit arguments.
    RunEtlEmr: async (i) => {
      const { ApplicationId, JobDriver } = i as {
        ApplicationId: string;
        JobDriver: { SparkSubmit: { EntryPointArguments: string[] } };
      };
      const argv = JobDriver.SparkSubmit.EntryPointArguments;
      const arg = (name: string) => argv[argv.indexOf(name) + 1] as string;
      await etl(arg('--run_date_from'), arg('--run_date_to'));
      return { ApplicationId, JobRunId: `local-${arg('--run_date_from')}`, Arn: `local:${ApplicationId}` };
    },
    // Athena's role: the same query over the lake's gold tables with DuckDB, its result written
    // where the workgroup writes results (athena-results/<id>.csv, header, every field quoted).
    ExportFeatures: (i) => athenaTask(paths.lake, i),
    ExportAudiences: (i) => athenaTask(paths.lake, i),
    // The audience function's role: the same handler over the data folder's destinations.
    SyncAudiences: async (i) => {
      const handle = await createLocalAudienceHandler(
        opts.dataDir,
        LOCAL_SUBSTITUTIONS.LakeBucketName as string,
      );
      try {
        return { Payload: await handle((i as { Payload: AudienceEvent }).Payload) };
      } catch (err) {
        throw new StepError('States.TaskFailed', err instanceof Error ? err.message : String(err));
      }
    },
    AudiencesDeadLetterNotice: alertTask(opts.dataDir, alerts),
    AudiencesFailedNotice: alertTask(opts.dataDir, alerts),
    // The reports function's role: which filter sets the subscriptions ask for.
    PlanReports: async () => ({ Payload: await planReports(localSubscriptionDeps(opts.dataDir)) }),
    // The reports for the run's date from the embedded warehouse, into DIR/reports/.
    WriteReports: async (i) => {
      const { date, filters } = (i as { Payload: { date: string; filters?: Record<string, string>[] } })
        .Payload;
      const wh = await openWarehouse(opts.dataDir, { readOnly: true });
      try {
        return {
          Payload: {
            reports: await writeReportsFor(wh, new FolderObjectStore(paths.root), date, new Date(), filters),
          },
        };
      } finally {
        wh.close();
      }
    },
    // The reports to their subscribers: SMTP (the outbox sink, or C360_SMTP_URL) and webhooks.
    DeliverReports: async (i) => {
      const { date } = (i as { Payload: { date: string } }).Payload;
      try {
        return { Payload: await withLocalReportDeps(opts.dataDir, (deps) => deliverReports(deps, date)) };
      } catch (err) {
        // The same error name the Lambda reports, so the state's Retry and Catch apply alike.
        const name =
          err instanceof Error && err.name === 'ReportDeliveryError' ? err.name : 'States.TaskFailed';
        throw new StepError(name, err instanceof Error ? err.message : String(err));
      }
    },
    ReportsFailedNotice: alertTask(opts.dataDir, alerts),
    ScoreBatch: async (i) => {
      if (!state.scoring)
        throw new StepError('States.TaskFailed', 'no trained model: PrepareScoring did not run');
      const booster = await loadXgboost(state.scoring.model);
      try {
        const handler = createScoreHandler({
          objects: new FolderObjectStore(paths.lake),
          models: new FolderObjectStore(opts.dataDir),
          scorer: new LocalScorer((X) => booster.predict(X)),
          logger: new LocalLogger('c360-score', 'warn'),
          metrics: new EmfMetrics('c360', 'c360-score', paths.metrics),
        });
        return { Payload: await handler((i as { Payload: ScoreInput }).Payload) };
      } finally {
        booster.free();
      }
    },
    PublishMetrics: async (i) => {
      const metrics = new EmfMetrics('c360', 'c360-pipeline', paths.metrics);
      for (const m of (i as { MetricData: { MetricName: string; Value: number }[] }).MetricData) {
        metrics.addMetric(m.MetricName, 'Count', m.Value);
      }
      metrics.publishStoredMetrics();
      return {};
    },
    Alert: alertTask(opts.dataDir, alerts),
    // Reconcile: the same queries, the embedded warehouse reading gold's Parquet; the metric as in AWS.
    Reconcile: async () => {
      const rows = await reconcileLakeWarehouse({ dataDir: opts.dataDir, lakeDir: paths.lake });
      const divergent = rows.filter((r) => !r.agrees);
      const metrics = new EmfMetrics('c360', 'c360-pipeline', paths.metrics);
      metrics.addMetric('LakeWarehouseDivergentDays', 'Count', divergent.length);
      metrics.publishStoredMetrics();
      const first = divergent[0];
      return {
        Payload: {
          days: rows.length,
          divergent: divergent.length,
          first: first
            ? `${first.table} ${first.day}: lake ${first.lake_rows}, warehouse ${first.warehouse_rows}`
            : '',
        },
      };
    },
    // The Glue profile job's role: the same SQL with DuckDB over the lake, into the LMDB store.
    SyncProfiles: async (i) => {
      const args = (i as { Arguments: Record<string, string> }).Arguments;
      try {
        const r = await syncComputedProfiles({ dataDir: opts.dataDir });
        const metrics = new EmfMetrics('c360', 'c360-pipeline', paths.metrics);
        metrics.addMetric('ProfilesSynced', 'Count', r.profiles);
        metrics.publishStoredMetrics();
      } catch (err) {
        throw new StepError('States.TaskFailed', err instanceof Error ? err.message : String(err));
      }
      return { Id: `jr_local_profiles_${args['--run_date']}`, JobRunState: 'SUCCEEDED' };
    },
    ProfilesFailedNotice: alertTask(opts.dataDir, alerts),
    DivergenceNotice: alertTask(opts.dataDir, alerts),
    ReconcileFailedNotice: alertTask(opts.dataDir, alerts),
    // SnapshotWarehouse: Redshift's snapshot; embedded, the warehouse file is backed up with the
    // rest of the data folder (c360 backup), so the step only answers as the API does.
    SnapshotWarehouse: async (i) => ({
      Snapshot: { snapshotName: (i as { SnapshotName: string }).SnapshotName },
    }),
    SnapshotFailedNotice: alertTask(opts.dataDir, alerts),
    // CatalogLake: embedded, the lake views read the folders directly; nothing to crawl.
    ...Object.fromEntries(
      ['Curated', 'Gold'].flatMap((c) => [
        [`Start${c}Crawl`, async () => ({})],
        [`Check${c}Crawl`, async () => ({ Crawler: { State: 'READY' } })],
      ]),
    ),
  };
  for (const [name, wrap] of Object.entries(opts.wrap ?? {})) {
    const next = handlers[name];
    if (next) handlers[name] = wrap(next);
  }
  return handlers;
}

export async function execute(
  definition: Record<string, unknown>,
  input: unknown,
  handlers: Record<string, (input: unknown) => Promise<unknown>>,
  opts: PipelineOptions & { waitMs?: Record<string, number> },
): Promise<{ status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: { name: string; cause: string } }> {
  const machine = new StateMachine(withAwsTaskTimeouts(definition) as never, {
    validationOptions: { checkArn: false },
  });
  const retryStates = Object.keys(handlers);
  // The context object AWS gives every execution ($$.Execution.Id and .Name; the interpreter adds Input and StartTime).
  const name = `local-${randomUUID()}`;
  const execution = machine.run(input as never, {
    context: { Execution: { Id: `arn:aws:states:local:000000000000:execution:c360:${name}`, Name: name } },
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: Object.fromEntries(retryStates.map((s) => [s, opts.retryWaitMs ?? 0])),
      // The crawler polls wait for nothing embedded (their checks answer READY at once).
      waitTimeOverrides: { WaitCuratedCrawl: 0, WaitGoldCrawl: 0, ...opts.waitMs },
    },
  });
  const logs = (async () => {
    for await (const e of execution.eventLogs) {
      const ev = e as { type: string; state?: { name: string }; error?: string; cause?: string };
      const state = ev.state?.name;
      if (!state) continue;
      const type =
        ev.type === 'StateEntered'
          ? 'entered'
          : ev.type === 'StateExited'
            ? 'succeeded'
            : ev.type === 'StateFailed'
              ? 'failed'
              : ev.type === 'StateRetried'
                ? 'retried'
                : ev.type === 'StateCaught'
                  ? 'caught'
                  : null;
      if (type)
        opts.onState?.({ state, type, ...(ev.error ? { detail: `${ev.error}: ${ev.cause ?? ''}` } : {}) });
    }
  })();
  try {
    const output = await execution.result;
    await logs;
    return { status: 'SUCCEEDED', output };
  } catch (err) {
    await logs.catch(() => {});
    const e = err as { cause?: { name?: string; message?: string }; name?: string; message?: string };
    return {
      status: 'FAILED',
      error: {
        name: e.cause?.name ?? e.name ?? 'Error',
        cause: e.cause?.message ?? e.message ?? String(err),
      },
    };
  }
}

export const localAlerts = (dataDir: string) =>
  new FileAlertPublisher(join(localPaths(dataDir).state, 'alerts.ndjson'));

/** An `sns:publish` Task embedded: the alert goes to DIR/state/alerts.ndjson and into `alerts`. */
export const alertTask =
  (dataDir: string, alerts: string[]) =>
  async (input: unknown): Promise<{ MessageId: string }> => {
    const { Subject, Message } = input as { Subject: string; Message: string };
    alerts.push(Message);
    await localAlerts(dataDir).publish({ subject: Subject, message: Message });
    return { MessageId: `local-${alerts.length}` };
  };

/**
 * What the alert Lambda's execution-status rule does in AWS: a run that failed without reaching
 * its Catch → alert path (or timed out, or was aborted) still alerts, through the same handler.
 */
export async function alertUnalerted(
  machine: string,
  input: Record<string, string>,
  r: Omit<PipelineResult, 'alerts'>,
  opts: PipelineOptions,
  alerts: string[],
): Promise<void> {
  // EventBridge sends every failed execution to the alert function, which counts a missed
  // scheduled run and alerts unless the run alerted itself.
  if (r.status !== 'FAILED') return;
  const out = await createAlertHandler({
    countMissedRun: async () => {
      const m = new EmfMetrics('c360', 'c360-alert', localPaths(opts.dataDir).metrics);
      m.addMetric('PipelineScheduledRuns', 'Count', 1);
      m.addMetric('PipelineOnTime', 'Count', 0);
      m.publishStoredMetrics();
    },
    publisher: {
      publish: async (a) => {
        alerts.push(a.message);
        await localAlerts(opts.dataDir).publish(a);
      },
    },
    logger: new LocalLogger('c360-alert', 'warn'),
  })({
    'detail-type': 'Step Functions Execution Status Change',
    detail: {
      status: 'FAILED',
      stateMachineArn: `arn:aws:states:local:000000000000:stateMachine:${machine}`,
      name: 'embedded',
      input: JSON.stringify(input),
      error: r.error?.name,
      cause: r.error?.cause,
    },
  });
  if (!out.published && r.error?.name !== ALERTED_FAILURE)
    throw new C360Error(`alert not published: ${out.reason}`);
}

/** Runs statemachines/daily-pipeline.asl.json for one date, embedded. */
export async function runDailyPipeline(
  date: string | undefined,
  opts: PipelineOptions,
): Promise<PipelineResult> {
  const alerts: string[] = [];
  const input: Record<string, string> = {
    ...(date ? { date } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
  };
  const r = await execute(await loadDefinition('daily-pipeline'), input, dailyHandlers(opts, alerts), opts);
  await alertUnalerted('c360-daily-pipeline', input, r, opts, alerts);
  return { ...r, alerts };
}

/** Runs statemachines/backfill.asl.json: the daily pipeline for each date, via the same ASL. */
export async function runBackfill(
  from: string,
  to: string,
  opts: PipelineOptions & { running?: Set<string> },
): Promise<PipelineResult> {
  const alerts: string[] = [];
  const running = opts.running ?? new Set<string>();
  const daily = await loadDefinition('daily-pipeline');
  const handlers = dailyHandlers(opts, alerts);
  const backfillHandlers: Record<string, (input: unknown) => Promise<unknown>> = {
    ListDates: handlers.ListDates as (input: unknown) => Promise<unknown>,
    // Embedded runs are in-process and sequential per date (one DuckDB writer at a time).
    StartDaily: async (i) => {
      const { Name, Input } = i as { Name: string; Input: { date: string } };
      if (running.has(Name)) {
        throw new StepError(
          'StepFunctions.ExecutionAlreadyExistsException',
          `execution ${Name} is already running`,
        );
      }
      running.add(Name);
      try {
        const r = await execute(daily, Input, handlers, opts);
        if (r.status === 'FAILED')
          throw new StepError('States.TaskFailed', `${Name}: ${r.error?.name}: ${r.error?.cause}`);
        return { Input, Output: r.output, Status: 'SUCCEEDED' };
      } finally {
        running.delete(Name);
      }
    },
  };
  const def = await loadDefinition('backfill');
  // One daily run at a time embedded: the Map's MaxConcurrency is for AWS.
  (
    (def.States as Record<string, { MaxConcurrency?: number }>).RunDates as { MaxConcurrency?: number }
  ).MaxConcurrency = 1;
  const input: Record<string, string> = { from, to, ...(opts.engine ? { engine: opts.engine } : {}) };
  const r = await execute(def, input, backfillHandlers, opts);
  await alertUnalerted('c360-backfill', input, r, opts, alerts);
  return { ...r, alerts };
}
