import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../../src/adapters/aws/s3-object-store';
import { writeReportsFor } from '../../../src/dashboards/reports';
import { parseCsv } from '../../../src/domain/batch/csv';
import { SCORING_COLUMNS } from '../../../src/domain/models/features';
import {
  createPipelineStepsHandler,
  lakeKey,
  SCORING_BATCH_ROWS,
  splitFeatures,
} from '../../../src/handlers/pipeline-steps';
import { testRedshift } from '../../helpers/redshift';

/**
 * AWS scoring preparation: the daily pipeline's ExportFeatures state leaves gold.churn_features
 * as an Athena result CSV (header, every field quoted); prepare-scoring splits it into the
 * scoring Map's batches in the lake bucket (S3 through the real SDK client, mocked).
 */
const s3 = mockClient(S3Client);
const quoted = (cells: (string | number)[]) => cells.map((c) => `"${c}"`).join(',');

function athenaExport(rows: number): string {
  const lines = [quoted(SCORING_COLUMNS)];
  // An id with a comma and a quote is kept as sent (quoted in the batch).
  for (let i = 0; i < rows; i++)
    lines.push(
      quoted([
        i === 3 ? 'c,3 ""x""' : `c${i}`,
        i % 4,
        1.5,
        3.25,
        i % 4 ? 20.1 : 0,
        1.75,
        i % 4 ? 'true' : 'false',
        '2026-02-28',
      ]),
    );
  return `${lines.join('\n')}\n`;
}

describe('prepare-scoring (AWS): the Athena feature export → scoring batches', () => {
  beforeEach(() => s3.reset());

  it('splits the export into batches of SCORING_BATCH_ROWS with the header, in order, nothing lost', async () => {
    const n = SCORING_BATCH_ROWS * 2 + 7;
    const text = athenaExport(n);
    s3.on(GetObjectCommand, { Bucket: 'lake', Key: 'athena-results/q1.csv' }).resolves({
      Body: { transformToByteArray: async () => new TextEncoder().encode(text) } as never,
    });
    s3.on(PutObjectCommand).resolves({});
    const objects = new S3ObjectStore('lake', new S3Client({}));
    const handler = createPipelineStepsHandler({
      now: () => new Date('2026-03-02T03:00:00Z'),
      logger: { info: () => {}, warn: () => {}, error: () => {} } as never,
      loadTable: async () => {},
      loadScores: async () => {},
      refreshReporting: async () => {},
      setupWarehouse: async () => {},
      writeReports: async () => [],
      prepareScoring: async (date, uri) => ({
        batches: await splitFeatures(objects, lakeKey(uri, 'lake'), date),
        modelVersion: 'v1',
        models: { version: 'v1', customerModelsKey: 'models/customer/v1/customer-models.json' },
      }),
    });
    const out = await handler({
      step: 'prepare-scoring',
      date: '2026-03-01',
      featuresUri: 's3://lake/athena-results/q1.csv',
    });
    expect(out).toEqual({
      batches: [0, 1, 2],
      modelVersion: 'v1',
      models: { version: 'v1', customerModelsKey: 'models/customer/v1/customer-models.json' },
    });

    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Key)).toEqual(
      [0, 1, 2].map((i) => `features/model=customer/dt=2026-03-01/batch-${i}.csv`),
    );
    const bodies = puts.map((p) => parseCsv(String(p.Body)).map((r) => r.cells));
    for (const b of bodies) expect(b[0]).toEqual(SCORING_COLUMNS);
    // Every exported row once, in order, every value as exported.
    const rows = bodies.flatMap((b) => b.slice(1));
    expect(rows).toEqual(
      parseCsv(text)
        .slice(1)
        .map((r) => r.cells),
    );
    expect(rows[3]?.[0]).toBe('c,3 "x"');
    expect(bodies.map((b) => b.length - 1)).toEqual([SCORING_BATCH_ROWS, SCORING_BATCH_ROWS, 7]);
  });

  it('an export whose columns are not the model features fails, naming both', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: {
        transformToByteArray: async () => new TextEncoder().encode('"customer_id","frequency"\n"c1","2"\n'),
      } as never,
    });
    const objects = new S3ObjectStore('lake', new S3Client({}));
    await expect(splitFeatures(objects, 'athena-results/q2.csv', '2026-03-01')).rejects.toThrow(
      /columns are customer_id,frequency, expected customer_id,frequency,recency_weeks/,
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('needs the export location, in the lake bucket', async () => {
    const handler = createPipelineStepsHandler({
      now: () => new Date(),
      logger: { info: () => {} } as never,
      loadTable: async () => {},
      refreshReporting: async () => {},
      setupWarehouse: async () => {},
      writeReports: async () => [],
      prepareScoring: async () => ({
        batches: [],
        modelVersion: 'v1',
        models: { version: 'v1', customerModelsKey: 'k' },
      }),
      loadScores: async () => {},
    });
    await expect(handler({ step: 'prepare-scoring', date: '2026-03-01' })).rejects.toThrow(
      /featuresUri: s3:/,
    );
    expect(() => lakeKey('s3://other/athena-results/q.csv', 'lake')).toThrow(/not in the lake bucket lake/);
  });
});

describe("write-reports (AWS): the day's summary and its week's digest from Redshift to S3", () => {
  const rs = mockClient(RedshiftDataClient);
  beforeEach(() => {
    s3.reset();
    rs.reset();
  });

  it('queries through the Data API (every result page) and writes HTML and CSV under reports/', async () => {
    let statement = 0;
    const sqls: string[] = [];
    rs.on(ExecuteStatementCommand).callsFake((input: { Sql: string }) => {
      sqls.push(input.Sql);
      return { Id: `q${++statement}` };
    });
    rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED' });
    // Totals for the day (q1) and the week before's day (q2), new customers (q2 / q4)... as Redshift returns them:
    // DECIMAL as strings, counts as longs, split over two pages for the first query.
    const totals = (orders: number, net: string) => [
      { longValue: orders },
      { longValue: orders },
      { stringValue: net },
      { stringValue: '0.00' },
      { stringValue: net },
    ];
    const meta = ['orders', 'buyer_days', 'gross_usd', 'refunds_usd', 'net_usd'].map((label) => ({ label }));
    rs.on(GetStatementResultCommand).callsFake((input: { Id: string; NextToken?: string }) => {
      const n = Number(input.Id.slice(1));
      if (n % 2 === 0) return { ColumnMetadata: [{ label: 'new_customers' }], Records: [[{ longValue: n }]] };
      if (n === 1 && !input.NextToken) return { ColumnMetadata: meta, Records: [], NextToken: 'page-2' };
      return {
        ColumnMetadata: n === 1 ? [] : meta,
        Records: [totals(n === 1 ? 12 : 8, n === 1 ? '300.50' : '200.25')],
      };
    });
    s3.on(PutObjectCommand).resolves({});
    const wh = testRedshift();
    const keys = await writeReportsFor(wh, new S3ObjectStore('lake', new S3Client({})), '2026-03-04');
    // 2026-03-04 is a Wednesday: its ISO week starts on Monday 2026-03-02.
    expect(keys).toEqual([
      'reports/daily-2026-03-04.html',
      'reports/daily-2026-03-04.csv',
      'reports/daily-2026-03-04.json',
      'reports/weekly-2026-03-02.html',
      'reports/weekly-2026-03-02.csv',
      'reports/weekly-2026-03-02.json',
    ]);
    const bodies = Object.fromEntries(
      s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key, String(c.args[0].input.Body)]),
    );
    const daily = (bodies['reports/daily-2026-03-04.csv'] as string).trim().split('\n');
    expect(daily[0]).toBe('metric,value,previous,change_pct');
    // 12 orders against 8 the week before: +50 %; net 300.50 against 200.25.
    expect(daily).toContain('orders,12,8,50');
    expect(daily).toContain('net_usd,300.5,200.25,50.1');
    expect(daily).toContain('new_customers,2,4,-50');
    expect(sqls[0]).toContain("BETWEEN '2026-03-04' AND '2026-03-04'");
    expect(sqls[2]).toContain("BETWEEN '2026-02-25' AND '2026-02-25'");
  });
});
