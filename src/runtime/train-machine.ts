import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FolderObjectStore } from '../adapters/local/object-store';
import { C360Error } from '../domain/errors';
import { trainXgboost, XGB_PARAMS } from '../domain/models/churn';
import { CHURN_FEATURES } from '../domain/models/features';
import { auc } from '../domain/models/metrics';
import { ModelRegistry } from '../domain/models/registry';
import { copyGoldQuery } from '../etl/lake-views';
import {
  evaluateModel,
  fitAndRegisterCustomerModels,
  lakeKey,
  registerChurn,
  resolveRun,
  rollbackModel,
} from '../handlers/pipeline-steps';
import { localPaths } from './local';
import { alertTask, execute, LOCAL_SUBSTITUTIONS, loadDefinition, StepError } from './pipeline';

/**
 * statemachines/train.asl.json run embedded (`c360 models deploy`), every Task with the local
 * stand-in of its service: Athena's UNLOAD with DuckDB over the lake (CSV, label first, no
 * header, under training/churn/<execution>/<channel>/), SageMaker's XGBoost container with the
 * same library the scorer uses and the job's hyperparameters (the model under
 * models/churn/<job>/output/), the model, endpoint configuration and endpoint as JSON records under
 * DIR/state/sagemaker/; the customer models' fit and both registrations are the shared
 * pipeline steps, with the registry under DIR/models/registry/. The AUC gate is the shared
 * pipeline step.
 */
export interface TrainMachineResult {
  status: 'SUCCEEDED' | 'FAILED';
  error?: { name: string; cause: string };
  job?: string;
  auc?: number;
  alerts: string[];
  states: string[];
}

const UNLOAD = /^UNLOAD \((SELECT [\s\S]+)\) TO '(s3:\/\/[^/]+\/[^']+)' WITH \(([^)]*)\)$/;

async function csvRows(dir: string): Promise<number[][]> {
  const rows: number[][] = [];
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.csv')).sort()) {
    for (const line of (await readFile(join(dir, f), 'utf8')).split('\n')) {
      if (line.trim()) rows.push(line.split(',').map(Number));
    }
  }
  return rows;
}

/** Athena's UNLOAD to the lake, embedded: the SELECT run on gold, written as one headerless CSV (TEXTFILE). */
async function athenaUnload(query: string, lakeDir: string, inLake: (uri: string) => string, n: number) {
  const m = UNLOAD.exec(query);
  if (!m) throw new StepError('Athena.InvalidRequestException', 'only UNLOAD (SELECT …) TO … is emulated');
  const target = inLake(m[2] as string);
  if (!/format = 'TEXTFILE'/.test(m[3] as string))
    throw new StepError('Athena.InvalidRequestException', 'TEXTFILE only');
  if ((await readdir(target).catch(() => [])).length > 0)
    throw new StepError('Athena.InvalidRequestException', `UNLOAD target ${m[2]} is not empty`);
  await copyGoldQuery(lakeDir, m[1] as string, join(target, 'part-0.csv'), 'HEADER false');
  return {
    QueryExecution: { QueryExecutionId: `local-${n}`, Status: { State: 'SUCCEEDED' } },
  };
}

interface TrainingJobRequest {
  TrainingJobName: string;
  HyperParameters: Record<string, string>;
  InputDataConfig: { ChannelName: string; DataSource: { S3DataSource: { S3Uri: string } } }[];
  OutputDataConfig: { S3OutputPath: string };
}

/**
 * SageMaker's built-in XGBoost training job, embedded: the train and validation channels read
 * from the lake (label first), the hyperparameters as SageMaker takes them, the model written
 * where the job's output would be, validation AUC reported as the job's final metric.
 */
async function sagemakerTrainingJob(p: TrainingJobRequest, inLake: (uri: string) => string) {
  const channel = async (name: string) => {
    const c = p.InputDataConfig.find((x) => x.ChannelName === name);
    if (!c) throw new StepError('SageMaker.ValidationException', `no ${name} channel`);
    return csvRows(inLake(c.DataSource.S3DataSource.S3Uri));
  };
  const [train, validation] = [await channel('train'), await channel('validation')];
  if (train.length === 0) throw new StepError('SageMaker.ValidationException', 'the train channel is empty');
  const h = p.HyperParameters;
  const model = await trainXgboost(
    { features: CHURN_FEATURES, X: train.map((r) => r.slice(1)), y: train.map((r) => r[0] as number) },
    {
      ...XGB_PARAMS,
      objective: h.objective ?? XGB_PARAMS.objective,
      max_depth: Number(h.max_depth ?? XGB_PARAMS.max_depth),
      eta: Number(h.eta ?? XGB_PARAMS.eta),
      min_child_weight: Number(h.min_child_weight ?? XGB_PARAMS.min_child_weight),
      subsample: Number(h.subsample ?? XGB_PARAMS.subsample),
      iterations: Number(h.num_round ?? XGB_PARAMS.iterations),
    },
  );
  try {
    const value = auc(
      model.predict(validation.map((r) => r.slice(1))),
      validation.map((r) => r[0] as number),
    );
    const artifacts = `${p.OutputDataConfig.S3OutputPath}${p.TrainingJobName}/output/model.json`;
    await mkdir(dirname(inLake(artifacts)), { recursive: true });
    await writeFile(inLake(artifacts), JSON.stringify(model.model));
    return {
      TrainingJobName: p.TrainingJobName,
      TrainingJobStatus: 'Completed',
      ModelArtifacts: { S3ModelArtifacts: artifacts },
      FinalMetricDataList: Number.isFinite(value) ? [{ MetricName: 'validation:auc', Value: value }] : [],
    };
  } finally {
    model.free();
  }
}

export async function runTrainingMachine(opts: {
  dataDir: string;
  minAuc?: number;
  /** The execution's input: {} to train, {rollback: model} to go back to the previous live version. */
  input?: Record<string, unknown>;
  onState?: (state: string) => void;
}): Promise<TrainMachineResult> {
  const paths = localPaths(opts.dataDir);
  const bucket = LOCAL_SUBSTITUTIONS.LakeBucketName as string;
  const inLake = (uri: string) => {
    if (!uri.startsWith(`s3://${bucket}/`))
      throw new StepError('States.TaskFailed', `${uri} is not in the lake`);
    return join(paths.lake, uri.slice(`s3://${bucket}/`.length));
  };
  const record = async (kind: string, name: string, body: unknown) => {
    const file = join(paths.state, 'sagemaker', kind, `${name}.json`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(body, null, 2));
  };
  const alerts: string[] = [];
  const states: string[] = [];
  const out: Partial<TrainMachineResult> = {};
  const payload = (i: unknown) => (i as { Payload: Record<string, unknown> }).Payload;
  const task = async <T>(f: () => Promise<T>) => {
    try {
      return await f();
    } catch (err) {
      throw err instanceof StepError
        ? err
        : new StepError('States.TaskFailed', err instanceof Error ? err.message : String(err));
    }
  };
  const rollback = (p: Record<string, unknown>) =>
    rollbackModel(new ModelRegistry(new FolderObjectStore(opts.dataDir)), p.model, p.commit === true);
  const unload = (i: unknown) =>
    task(() => athenaUnload((i as { QueryString: string }).QueryString, paths.lake, inLake, states.length));
  const updateEndpoint = (i: unknown) =>
    task(async () => {
      const p = i as { EndpointName: string; EndpointConfigName: string };
      await record('endpoints', p.EndpointName, i);
      return { EndpointArn: `arn:aws:sagemaker:local:000000000000:endpoint/${p.EndpointName}` };
    });
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
    ResolveDate: (i) => task(async () => ({ Payload: resolveRun(payload(i).input as never, new Date()) })),
    UnloadTrain: unload,
    UnloadValidation: unload,
    TrainChurn: (i) =>
      task(async () => {
        const job = await sagemakerTrainingJob(i as TrainingJobRequest, inLake);
        out.job = job.TrainingJobName;
        out.auc = job.FinalMetricDataList[0]?.Value ?? Number.NaN;
        return job;
      }),
    EvaluateChurn: (i) =>
      task(async () => ({
        Payload: evaluateModel(payload(i).metrics as never, payload(i).minAuc as string),
      })),
    CreateModel: (i) =>
      task(async () => {
        const p = i as { ModelName: string };
        await record('models', p.ModelName, i);
        return { ModelArn: `arn:aws:sagemaker:local:000000000000:model/${p.ModelName}` };
      }),
    CreateEndpointConfig: (i) =>
      task(async () => {
        const p = i as { EndpointConfigName: string };
        await record('endpoint-configs', p.EndpointConfigName, i);
        return {
          EndpointConfigArn: `arn:aws:sagemaker:local:000000000000:endpoint-config/${p.EndpointConfigName}`,
        };
      }),
    // The endpoints this data folder's training runs created (SageMaker's ListEndpoints).
    FindEndpoint: (i) =>
      task(async () => {
        const p = i as { NameContains: string };
        const names = (await readdir(join(paths.state, 'sagemaker', 'endpoints')).catch(() => [] as string[]))
          .filter((f) => f.endsWith('.json'))
          .map((f) => f.slice(0, -'.json'.length))
          .filter((n) => n.includes(p.NameContains));
        return { Endpoints: names.map((EndpointName) => ({ EndpointName, EndpointStatus: 'InService' })) };
      }),
    CreateEndpoint: (i) =>
      task(async () => {
        const p = i as { EndpointName: string; EndpointConfigName: string };
        await record('endpoints', p.EndpointName, i);
        return { EndpointArn: `arn:aws:sagemaker:local:000000000000:endpoint/${p.EndpointName}` };
      }),
    UpdateEndpoint: updateEndpoint,
    // Athena's role for the customer models' inputs: the SELECT over gold, CSV with a header.
    ExportRfm: (i) =>
      task(async () => {
        const key = `athena-results/train-${randomUUID()}.csv`;
        await copyGoldQuery(
          paths.lake,
          (i as { QueryString: string }).QueryString,
          join(paths.lake, key),
          'HEADER, FORCE_QUOTE *',
        );
        return { QueryExecution: { ResultConfiguration: { OutputLocation: `s3://${bucket}/${key}` } } };
      }),
    // The pipeline-steps Lambda's fit and register steps, with the registry in the data folder.
    FitCustomerModels: (i) =>
      task(async () => ({
        Payload: await fitAndRegisterCustomerModels({
          exports: new FolderObjectStore(paths.lake),
          artifacts: new FolderObjectStore(opts.dataDir),
          registry: new ModelRegistry(new FolderObjectStore(opts.dataDir)),
          exportKey: lakeKey(payload(i).featuresUri as string, bucket),
          now: new Date(),
        }),
      })),
    PlanRollback: (i) => task(async () => ({ Payload: await rollback(payload(i)) })),
    CommitRollback: (i) => task(async () => ({ Payload: await rollback(payload(i)) })),
    // A rollback points the endpoint at the previous configuration: the same UpdateEndpoint call.
    PointEndpointBack: updateEndpoint,
    RegisterChurn: (i) =>
      task(async () => ({
        Payload: await registerChurn(
          new ModelRegistry(new FolderObjectStore(opts.dataDir)),
          payload(i) as Parameters<typeof registerChurn>[1],
          new Date(),
        ),
      })),
    Rejected: alertTask(opts.dataDir, alerts),
    Alert: alertTask(opts.dataDir, alerts),
  };
  const substitutions = {
    ...LOCAL_SUBSTITUTIONS,
    ...(opts.minAuc !== undefined ? { MinChurnAuc: String(opts.minAuc) } : {}),
  };
  const r = await execute(await loadDefinition('train', substitutions), opts.input ?? {}, handlers, {
    dataDir: opts.dataDir,
    onState: (e) => {
      if (e.type === 'succeeded') {
        states.push(e.state);
        opts.onState?.(e.state);
      }
    },
  });
  if (r.status === 'FAILED' && !r.error)
    throw new C360Error('the training state machine failed without an error');
  return { status: r.status, ...(r.error ? { error: r.error } : {}), ...out, alerts, states };
}
