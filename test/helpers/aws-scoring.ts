import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { SageMakerScorer } from '../../src/adapters/aws/sagemaker-scorer';
import { loadXgboost } from '../../src/domain/models/churn';
import { ModelRegistry } from '../../src/domain/models/registry';
import { copyGoldQuery } from '../../src/etl/lake-views';
import {
  fitAndRegisterCustomerModels,
  liveScoringModels,
  registerChurn,
  scoresManifest,
  splitFeatures,
} from '../../src/handlers/pipeline-steps';
import { createScoreHandler, scoreBatchKey } from '../../src/handlers/score';
import { projectRoot } from '../../src/paths';

/**
 * The deployed scoring path, step by step, with the handlers and adapters the Lambdas run: the
 * training state machine's ExportRfm (its own query, read from train.asl.json) and
 * FitCustomerModels, RegisterChurn, then the daily pipeline's ExportFeatures (its query, from
 * daily-pipeline.asl.json), PrepareScoring, every ScoreBatch of the Map and the load-scores
 * manifest. Athena's role is DuckDB's (its CSV: a header, every field quoted); S3 is the real
 * S3ObjectStore over an SDK client mocked into a map (the emulator suite covers S3 itself); the
 * SageMaker endpoint is SageMakerScorer over a mocked InvokeEndpoint whose container is the
 * churn model given, evaluated as SageMaker's XGBoost container would (the stand-in the issue
 * allows where the emulator has no SageMaker training or real inference).
 */
export interface AwsScoringRun {
  /** Every object the run wrote, by key. */
  objects: Map<string, Buffer>;
  batches: number;
  modelVersion: string;
  customerModelsKey: string;
  manifest: { entries: { url: string; mandatory: boolean }[] };
  /** The score files' text, in batch order. */
  scoreFiles: string[];
}

const BUCKET = 'c360-lake-test';

function aslQuery(machine: string, state: string): string {
  const text = readFileSync(join(projectRoot(), 'statemachines', `${machine}.asl.json`), 'utf8');
  const find = (states: Record<string, unknown>): string | undefined => {
    for (const [name, s] of Object.entries(states)) {
      const st = s as {
        Parameters?: { QueryString?: string };
        Branches?: { States: Record<string, unknown> }[];
      };
      if (name === state) return st.Parameters?.QueryString;
      for (const b of st.Branches ?? []) {
        const q = find(b.States);
        if (q) return q;
      }
    }
    return undefined;
  };
  const q = find((JSON.parse(text) as { States: Record<string, unknown> }).States);
  if (!q) throw new Error(`${machine}.asl.json has no query in state ${state}`);
  return q;
}

export async function runAwsScoring(o: {
  lakeDir: string;
  /** The churn model the endpoint serves (XGBoost JSON, as the training job wrote it). */
  churnModel: unknown;
  date: string;
  workDir: string;
}): Promise<AwsScoringRun> {
  const objects = new Map<string, Buffer>();
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).callsFake((i: { Key: string; Body: string | Uint8Array }) => {
    objects.set(i.Key, Buffer.from(i.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((i: { Key: string }) => {
    const body = objects.get(i.Key);
    if (!body) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    return { Body: { transformToByteArray: async () => new Uint8Array(body) } };
  });
  const booster = await loadXgboost(o.churnModel);
  const sm = mockClient(SageMakerRuntimeClient);
  sm.on(InvokeEndpointCommand).callsFake((i: { Body: string }) => ({
    Body: new TextEncoder().encode(
      booster.predict(i.Body.split('\n').map((l) => l.split(',').map(Number))).join('\n'),
    ),
  }));
  try {
    const lake = new S3ObjectStore(BUCKET, new S3Client({ region: 'eu-west-1' }));
    const registry = new ModelRegistry(lake);
    // Athena: the state's query over gold, its result CSV put where the workgroup writes results.
    const athena = async (machine: string, state: string) => {
      const file = join(o.workDir, `${state}.csv`);
      await mkdir(o.workDir, { recursive: true });
      await copyGoldQuery(o.lakeDir, aslQuery(machine, state), file, 'HEADER, FORCE_QUOTE *');
      const key = `athena-results/${state}.csv`;
      await lake.put(key, readFileSync(file));
      return key;
    };
    const now = new Date('2026-03-02T04:00:00Z');
    // Training state machine: the customer models, then churn registered as the endpoint's model.
    await fitAndRegisterCustomerModels({
      exports: lake,
      artifacts: lake,
      registry,
      exportKey: await athena('train', 'ExportRfm'),
      now,
    });
    await registerChurn(
      registry,
      {
        job: 'c360-churn-test',
        artifacts: `s3://${BUCKET}/models/churn/c360-churn-test/output/model.tar.gz`,
        auc: 0.8,
        date: o.date,
      },
      now,
    );
    // Daily pipeline: the export split into batches, the live versions, the Map, the manifest.
    const batches = await splitFeatures(lake, await athena('daily-pipeline', 'ExportFeatures'), o.date);
    const live = await liveScoringModels(registry);
    const score = createScoreHandler({
      objects: lake,
      models: lake,
      scorer: new SageMakerScorer({
        endpointName: 'c360-churn',
        client: new SageMakerRuntimeClient({ region: 'eu-west-1' }),
        sleep: async () => {},
      }),
      logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as never,
      metrics: { addMetric: () => {}, addDimension: () => {}, publishStoredMetrics: () => {} } as never,
    });
    for (const batch of batches) await score({ date: o.date, batch, models: live.models });
    const scoreFiles = batches.map((b) =>
      (objects.get(scoreBatchKey('scores', o.date, b)) as Buffer).toString('utf8'),
    );
    return {
      objects,
      batches: batches.length,
      modelVersion: live.modelVersion,
      customerModelsKey: live.models.customerModelsKey,
      manifest: JSON.parse(scoresManifest(BUCKET, o.date, batches.length)),
      scoreFiles,
    };
  } finally {
    booster.free();
    s3.restore();
    sm.restore();
  }
}

/** The run's score files written to a folder (what the warehouse COPYs), for the embedded loader. */
export async function writeScoreFiles(run: AwsScoringRun, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, text] of run.scoreFiles.entries()) {
    const f = join(dir, `batch-${i}.csv`);
    await writeFile(f, text);
    files.push(f);
  }
  return files;
}
