import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { yamlParse } from 'yaml-cfn';
import { run } from '../../../src/cli/commands/cost';
import { estimateCost, type PriceTable } from '../../../src/domain/cost';
import { loadRetention } from '../../../src/runtime/retention';

const root = join(__dirname, '../../..');
const templateText = readFileSync(join(root, 'template.yaml'), 'utf8');
const template = yamlParse(templateText) as Record<string, unknown>;
const prices = JSON.parse(readFileSync(join(root, 'config/prices.json'), 'utf8')) as PriceTable;
const retention = loadRetention(root).layers;
const line = (e: ReturnType<typeof estimateCost>, c: string) =>
  e.components.find((l) => l.component === c)?.monthly_usd;

describe('c360 cost', () => {
  const one = estimateCost(template, retention, prices, 1_000_000);
  const two = estimateCost(template, retention, prices, 2_000_000);

  it('prices requests from the price table: 2M events a day in batches of 20 is 3M requests a month', () => {
    const requests = (2_000_000 * 30) / (prices.assumed.eventsPerRequest as number);
    expect(line(two, 'API Gateway (HTTP API)')).toBeCloseTo(
      (requests / 1e6) * (prices.prices.httpApiPerMillionRequests as number),
      2,
    );
  });

  it('variable costs scale with traffic, fixed ones do not; lines add up to the total; per million is total / events', () => {
    expect(line(two, 'DynamoDB (dedupe, vault)')).toBeCloseTo(
      2 * (line(one, 'DynamoDB (dedupe, vault)') as number),
      1,
    );
    for (const fixed of ['Redshift Serverless', 'SageMaker endpoint'])
      expect(line(two, fixed)).toBe(line(one, fixed));
    expect(one.monthly_usd).toBeCloseTo(
      one.components.reduce((a, l) => a + l.monthly_usd, 0),
      1,
    );
    expect(one.per_million_events).toBeCloseTo(one.monthly_usd / 30, 1);
    expect(one.prices_as_of).toBe(prices.asOf);
  });

  it("reads the deployed configuration: the enrich function's memory and the number of alarms come from template.yaml", () => {
    const bigger = yamlParse(
      templateText.replace(
        'Description: Validate, enrich, dedupe and pseudonymize stream events into the lake\n      CodeUri: ./\n      Handler: index.handler\n      MemorySize: 1024',
        'Description: Validate, enrich, dedupe and pseudonymize stream events into the lake\n      CodeUri: ./\n      Handler: index.handler\n      MemorySize: 4096',
      ),
    ) as Record<string, unknown>;
    const big = estimateCost(bigger, retention, prices, 1e9);
    const base = estimateCost(template, retention, prices, 1e9);
    const gbSeconds = (1e9 * 30 * (prices.measured.enrichMsPerEvent as number)) / 1000;
    const price = prices.prices.lambdaArmPerGbSecond as number;
    expect((line(big, 'Lambda enrich') as number) - (line(base, 'Lambda enrich') as number)).toBeCloseTo(
      gbSeconds * 3 * price,
      0,
    );
    const alarms = (templateText.match(/Type: AWS::CloudWatch::Alarm\n/g) ?? []).length;
    expect(base.components.find((l) => l.component === 'CloudWatch')?.basis).toContain(`${alarms} alarms`);
  });

  it('prints JSON with per_million_events and a line per component; refuses a bad volume', async () => {
    let out = '';
    const w = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      out += String(c);
      return true;
    });
    const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await run(['--events-per-day', '5000000', '--format', 'json'])).toBe(0);
      const j = JSON.parse(out) as {
        per_million_events: number;
        components: unknown[];
        events_per_day: number;
      };
      expect(j.events_per_day).toBe(5_000_000);
      expect(j.per_million_events).toBeGreaterThan(0);
      expect(j.components.length).toBeGreaterThan(10);
      expect(await run(['--events-per-day', '0'])).not.toBe(0);
    } finally {
      w.mockRestore();
      e.mockRestore();
    }
  });

  it('without a volume: 1M, 10M, 100M and 1B events a day side by side, each column the estimate at that volume', async () => {
    let out = '';
    const w = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      out += String(c);
      return true;
    });
    try {
      expect(await run(['--format', 'csv'])).toBe(0);
    } finally {
      w.mockRestore();
    }
    const [header, ...rows] = parse(out) as string[][];
    expect(header).toEqual(['component', '1M/day', '10M/day', '100M/day', '1B/day']);
    const volumes = [1e6, 1e7, 1e8, 1e9].map((n) => estimateCost(template, retention, prices, n));
    const byName = Object.fromEntries(rows.map((r) => [r[0], r.slice(1).map(Number)]));
    for (const c of volumes[0]?.components ?? [])
      expect([c.component, byName[c.component]]).toEqual([
        c.component,
        volumes.map((v) => line(v, c.component)),
      ]);
    expect(byName['total a month']).toEqual(volumes.map((v) => v.monthly_usd));
    expect(byName['per million events']).toEqual(volumes.map((v) => v.per_million_events));
  });

  it("Firehose bills each event as its record rounded up to the billing increment; storage is each layer's measured bytes for as long as it keeps them", () => {
    const m = prices.measured as {
      bronzeJsonBytesPerEvent: number;
      bronzeGzBytesPerEvent: number;
      silverBytesPerEvent: number;
      goldBytesPerEvent: number;
    };
    const increment = (prices.prices.firehoseBillingIncrementKb as number) * 1024;
    const billedPerEvent = Math.ceil(m.bronzeJsonBytesPerEvent / increment) * increment;
    expect(billedPerEvent).toBeGreaterThanOrEqual(m.bronzeJsonBytesPerEvent);
    const gb = (1_000_000 * 30 * billedPerEvent) / 1024 ** 3;
    // The template's bronze and quarantine streams partition dynamically.
    expect(line(one, 'Firehose')).toBeCloseTo(
      gb *
        ((prices.prices.firehosePerGbIngested as number) +
          (prices.prices.firehoseDynamicPartitioningPerGb as number)),
      2,
    );
    const keep = (layer: string) => Math.min(retention[layer] ?? 365, 365);
    const stored =
      (1_000_000 *
        (m.bronzeGzBytesPerEvent * keep('bronze') +
          m.silverBytesPerEvent * keep('silver') +
          m.goldBytesPerEvent * keep('gold'))) /
      1024 ** 3;
    const puts =
      ((1_000_000 * 30) / (prices.assumed.enrichBatchEvents as number) / 1000) *
      (prices.prices.s3PutPer1000 as number);
    expect(line(one, 'S3 (lake, after 12 months)')).toBeCloseTo(
      stored * (prices.prices.s3StandardPerGbMonth as number) + puts,
      2,
    );
  });

  it('Kinesis in the capacity mode that costs less at the volume, provisioned shards sized for the peak', () => {
    const pr = prices.prices as {
      kinesisProvisionedShardHour: number;
      kinesisProvisionedExtendedRetentionShardHour: number;
      kinesisProvisionedPerMillionPutUnits: number;
      kinesisOnDemandStreamHour: number;
      kinesisOnDemandPerGbIn: number;
      kinesisOnDemandPerGbOut: number;
      kinesisExtendedRetentionPerGbMonth: number;
    };
    const avgBytes = prices.measured.avgEventBytes as number;
    const peak = prices.assumed.peakToAverageTraffic as number;
    for (const n of [1e6, 1e8, 1e9]) {
      const events = n * 30;
      const perSecond = (n / 86_400) * peak;
      const shards = Math.max(1, Math.ceil((perSecond * avgBytes) / 1024 ** 2), Math.ceil(perSecond / 1000));
      // The template keeps 168 h: provisioned pays extended retention per shard-hour.
      const provisioned =
        shards * 720 * (pr.kinesisProvisionedShardHour + pr.kinesisProvisionedExtendedRetentionShardHour) +
        ((events * Math.ceil(avgBytes / (25 * 1024))) / 1e6) * pr.kinesisProvisionedPerMillionPutUnits;
      const gb = (events * Math.ceil(avgBytes / 1024) * 1024) / 1024 ** 3;
      const onDemand =
        720 * pr.kinesisOnDemandStreamHour +
        gb * (pr.kinesisOnDemandPerGbIn + pr.kinesisOnDemandPerGbOut) +
        gb * (6 / 30) * pr.kinesisExtendedRetentionPerGbMonth;
      const e = estimateCost(template, retention, prices, n);
      const kinesis = e.components.find((c) => c.component === 'Kinesis Data Streams');
      expect([n, kinesis?.monthly_usd]).toEqual([n, Math.round(Math.min(provisioned, onDemand) * 100) / 100]);
      expect(kinesis?.basis).toMatch(provisioned < onDemand ? `StreamShardCount=${shards}` : /^on-demand/);
    }
  });
});
