import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { LocalScorer } from '../adapters/local/local-scorer';
import { FolderObjectStore } from '../adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import { C360Error } from '../domain/errors';
import { loadXgboost } from '../domain/models/churn';
import { runEtl } from '../etl/runner';
import { createScoreHandler } from '../handlers/score';
import { CHURN_FEATURES, trainModels } from '../models/train';
import { projectRoot } from '../paths';
import { loadWarehouse } from '../warehouse/embedded';
import { localPaths } from './local';

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
  EtlJobName: 'c360-etl',
  AlertTopicArn: 'arn:aws:sns:local:000000000000:c360-alerts',
  DailyPipelineArn: 'arn:aws:states:local:000000000000:stateMachine:c360-daily-pipeline',
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

export class StepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

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
  /** Evaluate the churn model on the real Telco data too (default true). */
  benchmarks?: boolean;
}

export interface PipelineResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { name: string; cause: string };
  alerts: string[];
}

function dailyHandlers(opts: PipelineOptions, alerts: string[]) {
  const paths = localPaths(opts.dataDir);
  let scoring: { version: string; model: unknown } | null = null;
  const steps = async (input: {
    step: string;
    date?: string;
    input?: { date?: string };
    from?: string;
    to?: string;
  }) => {
    switch (input.step) {
      case 'resolve-date': {
        const date = input.input?.date ?? yesterday();
        if (!DATE.test(date)) throw new StepError('InvalidInput', `date must be YYYY-MM-DD, got "${date}"`);
        return { Payload: { date } };
      }
      case 'load-warehouse':
      case 'load-scores': {
        const r = await loadWarehouse({ dataDir: opts.dataDir, lakeDir: paths.lake });
        return { Payload: { tables: r.tables.map((t) => t.table) } };
      }
      case 'prepare-scoring': {
        const models = await trainModels({
          dataDir: opts.dataDir,
          lakeDir: paths.lake,
          benchmarks: opts.benchmarks,
        });
        scoring = {
          version: models.version,
          model: JSON.parse(await readFile(join(models.artifactsDir, 'churn-xgboost.json'), 'utf8')),
        };
        const objects = new FolderObjectStore(paths.lake);
        const header = `customer_id,${CHURN_FEATURES.join(',')}`;
        const batches: number[] = [];
        for (let i = 0; i * 500 < models.featureRows.length; i++) {
          await objects.put(
            `features/model=churn/dt=${input.date}/batch-${i}.csv`,
            `${[header, ...models.featureRows.slice(i * 500, (i + 1) * 500)].join('\n')}\n`,
          );
          batches.push(i);
        }
        return { Payload: { batches, modelVersion: models.version } };
      }
      case 'date-range': {
        if (
          !input.from ||
          !input.to ||
          !DATE.test(input.from) ||
          !DATE.test(input.to) ||
          input.from > input.to
        ) {
          throw new StepError('InvalidInput', 'a backfill needs from <= to as YYYY-MM-DD');
        }
        const dates: string[] = [];
        for (
          let d = input.from;
          d <= input.to;
          d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
        )
          dates.push(d);
        return { Payload: { dates } };
      }
      default:
        throw new StepError('UnknownStep', `no pipeline step "${input.step}"`);
    }
  };
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
    ResolveDate: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    LoadWarehouse: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    PrepareScoring: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    LoadScores: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    ListDates: (i) => steps((i as { Payload: Parameters<typeof steps>[0] }).Payload),
    RunEtl: async (i) => {
      const args = (i as { Arguments: Record<string, string> }).Arguments;
      try {
        await runEtl({
          lakeDir: paths.lake,
          from: args['--run_date_from'] as string,
          to: args['--run_date_to'] as string,
        });
      } catch (err) {
        // Glue's .sync integration fails the task with States.TaskFailed and the job's error as cause.
        throw new StepError('States.TaskFailed', err instanceof Error ? err.message : String(err));
      }
      return { Id: `jr_local_${args['--run_date_from']}`, JobRunState: 'SUCCEEDED' };
    },
    ScoreBatch: async (i) => {
      if (!scoring) throw new StepError('States.TaskFailed', 'no trained model: PrepareScoring did not run');
      const { version, model } = scoring;
      const booster = await loadXgboost(model);
      try {
        const handler = createScoreHandler({
          objects: new FolderObjectStore(paths.lake),
          scorer: new LocalScorer((X) => booster.predict(X)),
          model: 'churn',
          modelVersion: version,
          logger: new LocalLogger('c360-score', 'warn'),
          metrics: new EmfMetrics('c360', 'c360-score', paths.metrics),
        });
        return { Payload: await handler((i as { Payload: { date: string; batch: number } }).Payload) };
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
    Alert: async (i) => {
      const message = (i as { Message: string }).Message;
      alerts.push(message);
      await mkdir(paths.state, { recursive: true });
      await appendFile(
        join(paths.state, 'alerts.ndjson'),
        `${JSON.stringify({ at: new Date().toISOString(), message })}\n`,
      );
      return { MessageId: `local-${alerts.length}` };
    },
  };
  for (const [name, wrap] of Object.entries(opts.wrap ?? {})) {
    const next = handlers[name];
    if (next) handlers[name] = wrap(next);
  }
  return handlers;
}

async function execute(
  definition: Record<string, unknown>,
  input: unknown,
  handlers: Record<string, (input: unknown) => Promise<unknown>>,
  opts: PipelineOptions,
): Promise<{ status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: { name: string; cause: string } }> {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const retryStates = Object.keys(handlers);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: Object.fromEntries(retryStates.map((s) => [s, opts.retryWaitMs ?? 0])),
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

/** Runs statemachines/daily-pipeline.asl.json for one date, embedded. */
export async function runDailyPipeline(
  date: string | undefined,
  opts: PipelineOptions,
): Promise<PipelineResult> {
  const alerts: string[] = [];
  const r = await execute(
    await loadDefinition('daily-pipeline'),
    date ? { date } : {},
    dailyHandlers(opts, alerts),
    opts,
  );
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
  const r = await execute(def, { from, to }, backfillHandlers, opts);
  return { ...r, alerts };
}
