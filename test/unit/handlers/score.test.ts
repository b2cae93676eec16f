import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { SageMakerScorer } from '../../../src/adapters/aws/sagemaker-scorer';
import { LocalScorer } from '../../../src/adapters/local/local-scorer';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../../../src/adapters/local/telemetry';
import { createScoreHandler } from '../../../src/handlers/score';
import type { Scorer } from '../../../src/ports/scorer';

const model = (X: number[][]) =>
  X.map((r) => Math.round(((r[0] as number) / ((r[0] as number) + (r[1] as number) + 1)) * 1000) / 1000);
const sm = mockClient(SageMakerRuntimeClient);

describe.each([
  ['embedded (local scorer)', (): Scorer => new LocalScorer(model)],
  [
    'AWS (SageMaker endpoint)',
    (): Scorer => {
      sm.on(InvokeEndpointCommand).callsFake((input: { Body: string }) => ({
        Body: new TextEncoder().encode(
          model(input.Body.split('\n').map((l) => l.split(',').map(Number))).join('\n'),
        ),
      }));
      return new SageMakerScorer({
        endpointName: 'c360-churn',
        client: new SageMakerRuntimeClient({}),
        sleep: async () => {},
      });
    },
  ],
])('scoring step, %s', (_name, scorer) => {
  let dir: string;
  beforeEach(async () => {
    sm.reset();
    dir = await mkdtemp(join(tmpdir(), 'c360-score-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a feature batch, writes its scores under scores/model=…/dt=…, idempotently', async () => {
    const objects = new FolderObjectStore(dir);
    await objects.put(
      'features/model=churn/dt=2026-03-01/batch-0.csv',
      'customer_id,frequency,recency\nc_1,3,10\nc_2,0,40\n',
    );
    const handler = createScoreHandler({
      objects,
      scorer: scorer(),
      model: 'churn',
      modelVersion: 'v1',
      logger: new LocalLogger('test', 'silent'),
      metrics: new EmfMetrics('c360', 'score-test'),
    });
    const out = await handler({ date: '2026-03-01', batch: 0 });
    expect(out).toEqual({ scoresKey: 'scores/model=churn/dt=2026-03-01/batch-0.csv', rows: 2 });
    const written = (await objects.get(out.scoresKey)).toString();
    expect(written).toBe(
      `customer_id,score,model_version\nc_1,${model([[3, 10]])[0]},v1\nc_2,${model([[0, 40]])[0]},v1\n`,
    );
    await handler({ date: '2026-03-01', batch: 0 });
    expect((await objects.get(out.scoresKey)).toString()).toBe(written);
    await expect(handler({ date: 'yesterday', batch: 0 })).rejects.toThrow('{date: YYYY-MM-DD, batch: n}');
  });
});
