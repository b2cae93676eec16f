import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { yamlParse } from 'yaml-cfn';
import { SageMakerScorer } from '../../../src/adapters/aws/sagemaker-scorer';
import { LocalScorer } from '../../../src/adapters/local/local-scorer';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../../../src/adapters/local/telemetry';
import { parseCsv } from '../../../src/domain/batch/csv';
import { clv, expectedPurchases, pAlive } from '../../../src/domain/models/clv';
import { fitCustomerModels, type RfmRow, SCORE_COLUMNS } from '../../../src/domain/models/customer-models';
import { SCORING_COLUMNS } from '../../../src/domain/models/features';
import { createScoreHandler, scoreBatchKey } from '../../../src/handlers/score';
import { projectRoot } from '../../../src/paths';
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

  it('reads a feature batch, writes every customer score (churn, segment, CLV, P(alive)) under scores/model=customer/dt=…, idempotently', async () => {
    const objects = new FolderObjectStore(dir);
    // The customer models, fitted on a small population (two groups of buyers and a prospect).
    const population: RfmRow[] = Array.from({ length: 40 }, (_, i) => ({
      customerId: `p${String(i).padStart(2, '0')}`,
      frequency: i % 2 ? 6 + (i % 5) : i % 3,
      recency: i % 2 ? 40 + (i % 7) : 2 + (i % 4),
      T: 52,
      monetary: i % 2 ? 80 + i : i % 3 ? 15 : 0,
      buyer: true,
    }));
    const models = fitCustomerModels(population);
    await objects.put('models/customer/m1/customer-models.json', JSON.stringify(models));
    await objects.put(
      'features/model=customer/dt=2026-03-01/batch-0.csv',
      [
        SCORING_COLUMNS.join(','),
        '"c,1",3,10,52,25.5,42,true,2026-02-28',
        'c_2,0,0,7,0,7,false,2026-02-28',
      ].join('\n'),
    );
    const handler = createScoreHandler({
      objects,
      models: objects,
      scorer: scorer(),
      logger: new LocalLogger('test', 'silent'),
      metrics: new EmfMetrics('c360', 'score-test'),
    });
    const input = {
      date: '2026-03-01',
      batch: 0,
      models: {
        version: 'churn=j1;customer=m1',
        customerModelsKey: 'models/customer/m1/customer-models.json',
      },
    };
    const out = await handler(input);
    expect(out).toEqual({ scoresKey: 'scores/model=customer/dt=2026-03-01/batch-0.csv', rows: 2 });
    const written = (await objects.get(out.scoresKey)).toString();
    const rows = parseCsv(written).map((r) => r.cells);
    expect(rows[0]).toEqual([...SCORE_COLUMNS]);
    const buyer = { customerId: 'c,1', frequency: 3, recency: 10, T: 52, monetary: 25.5 };
    const { bgnbd, gammagamma } = models.clv;
    // The buyer's segment: the centroid nearest to its scaled (weeks since last, log f, log m).
    const x = [52 - 10, Math.log1p(3), Math.log1p(25.5)].map(
      (v, j) => (v - (models.segments.mean[j] as number)) / (models.segments.sd[j] as number),
    );
    const dist = models.segments.centroids.map((c) =>
      c.reduce((a, v, j) => a + (v - (x[j] as number)) ** 2, 0),
    );
    const seg = models.segments.names[dist.indexOf(Math.min(...dist))];
    expect(rows[1]).toEqual([
      'c,1',
      '2026-02-28',
      String(model([[3, 10, 52, 25.5, 42]])[0]),
      seg,
      String(Math.round(clv(bgnbd, gammagamma, buyer) * 100) / 100),
      String(pAlive(bgnbd, buyer)),
      String(expectedPurchases(bgnbd, buyer, 90 / 7)),
      'churn=j1;customer=m1',
    ]);
    expect(rows[2]?.slice(0, 4)).toEqual([
      'c_2',
      '2026-02-28',
      String(model([[0, 0, 7, 0, 7]])[0]),
      'prospect',
    ]);
    expect(rows[2]?.[5]).toBe('1');
    await handler(input);
    expect((await objects.get(out.scoresKey)).toString()).toBe(written);
    await expect(handler({ ...input, date: 'yesterday' })).rejects.toThrow('{date: YYYY-MM-DD, batch: n');
    await expect(
      handler({ ...input, models: { version: 'v', customerModelsKey: 'models/none.json' } }),
    ).rejects.toThrow('the customer models models/none.json cannot be read');
    // Bad batches are refused, naming the file, the line and the rule.
    const bad = async (name: string, text: string) => {
      await objects.put(`features/model=customer/dt=${name}/batch-0.csv`, text);
      return handler({ ...input, date: name });
    };
    const head = SCORING_COLUMNS.join(',');
    await expect(bad('2026-03-03', 'customer_id,frequency\nc_1,2\n')).rejects.toThrow(
      'features/model=customer/dt=2026-03-03/batch-0.csv: the columns are customer_id,frequency, expected customer_id,frequency,recency_weeks',
    );
    await expect(bad('2026-03-08', '')).rejects.toThrow('the columns are (none)');
    await expect(bad('2026-03-04', `${head}\nc_1,,1,1,1,0,true,2026-02-28\n`)).rejects.toThrow(
      'line 2: frequency is not a number: ""',
    );
    await expect(bad('2026-03-05', `${head}\nc_1,1,x,1,1,0,true,2026-02-28\n`)).rejects.toThrow(
      'line 2: recency_weeks is not a number: "x"',
    );
    for (const [d, asOf] of [
      ['2026-03-06', 'x2026-02-28'],
      ['2026-03-07', '2026-02-28x'],
    ])
      await expect(bad(d as string, `${head}\nc_1,1,1,1,1,0,true,${asOf}\n`)).rejects.toThrow(
        `line 2: as_of must be YYYY-MM-DD, got "${asOf}"`,
      );
    for (const wrong of [
      { ...input, date: 'x2026-03-01' },
      { ...input, date: '2026-03-01x' },
      { ...input, batch: -1 },
      { ...input, batch: 1.5 },
      { ...input, models: undefined as never },
      { ...input, models: { version: '', customerModelsKey: 'k' } },
      { ...input, models: { version: 'v', customerModelsKey: '' } },
    ])
      await expect(handler(wrong)).rejects.toThrow('the scoring input needs {date: YYYY-MM-DD, batch: n');
    await objects.put(
      'features/model=customer/dt=2026-03-02/batch-0.csv',
      `${SCORING_COLUMNS.join(',')}\nc_3,1,1,1,1,0,maybe,2026-02-28\n`,
    );
    await expect(handler({ ...input, date: '2026-03-02' })).rejects.toThrow(
      'line 2: is_buyer must be true or false, got "maybe"',
    );
  });
});

describe('the score files as gold.customer_scores in AWS', () => {
  it("the Glue table reads the Map's files: its columns are the files' header, its location their prefix", () => {
    const template = yamlParse(readFileSync(join(projectRoot(), 'template.yaml'), 'utf8')) as {
      Resources: Record<string, { Properties: { TableInput: Record<string, unknown> } }>;
    };
    const t = template.Resources.CustomerScoresGlueTable?.Properties.TableInput as {
      StorageDescriptor: { Columns: { Name: string }[]; Location: { 'Fn::Sub': string } };
      Parameters: Record<string, unknown>;
    };
    expect(t.StorageDescriptor.Columns.map((c) => c.Name)).toEqual([...SCORE_COLUMNS]);
    expect(t.Parameters['skip.header.line.count']).toBe('1');
    const key = scoreBatchKey('scores', '2026-03-01', 0);
    const location = t.StorageDescriptor.Location['Fn::Sub'].replace('s3://${LakeBucket}/', '');
    expect(key.startsWith(location)).toBe(true);
    expect(key.slice(location.length)).toBe('dt=2026-03-01/batch-0.csv');
  });
});
