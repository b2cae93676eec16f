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
const { profiles } = JSON.parse(readFileSync(join(root, 'config/profiles.json'), 'utf8')) as {
  profiles: Record<string, { parameters: Record<string, string | number> }> & {
    starter: { parameters: Record<string, string | number> };
    full: { parameters: Record<string, string | number> };
  };
};
const endpointMemoryMb = (
  JSON.parse(readFileSync(join(root, 'statemachines/train.asl.json'), 'utf8')) as {
    States: {
      CreateEndpointConfig: {
        Parameters: { ProductionVariants: { ServerlessConfig: { MemorySizeInMB: number } }[] };
      };
    };
  }
).States.CreateEndpointConfig.Parameters.ProductionVariants[0]?.ServerlessConfig.MemorySizeInMB;
/** The assumed workload figures the tests use, typed. */
const assumed = prices.assumed as Record<
  | 'peakToAverageTraffic'
  | 'vaultNewSubjectsPerEvent'
  | 'vaultValuesPerEvent'
  | 'scoredCustomersPerDailyEvent'
  | 'scoringMsPerCustomer'
  | 'scoringBytesPerCustomer'
  | 'trainingRunsPerMonth'
  | 'trainingHoursPerRun',
  number
>;
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
    for (const variable of ['Firehose', 'API Gateway (HTTP API)'])
      expect(line(two, variable)).toBeCloseTo(2 * (line(one, variable) as number), 1);
    for (const fixed of ['Redshift Serverless', 'Step Functions'])
      expect(line(two, fixed)).toBe(line(one, fixed));
    expect(one.monthly_usd).toBeCloseTo(
      one.components.reduce((a, l) => a + l.monthly_usd, 0),
      1,
    );
    expect(one.per_million_events).toBeCloseTo(one.monthly_usd / 30, 1);
    expect(one.prices_as_of).toBe(prices.asOf);
  });

  it("reads the deployed configuration: the enrich function's memory and the number of alarms come from template.yaml", () => {
    // The enrich function's own MemorySize, raised from 1024 to 4096 MB.
    const at = templateText.indexOf('  EnrichFunction:\n');
    const mem = templateText.indexOf('MemorySize: 1024', at);
    expect([at > 0, mem > at]).toEqual([true, true]);
    const bigger = yamlParse(
      `${templateText.slice(0, mem)}MemorySize: 4096${templateText.slice(mem + 'MemorySize: 1024'.length)}`,
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
      expect(await run(['--events-per-day', '5000000', '--profile', 'full', '--format', 'json'])).toBe(0);
      const j = JSON.parse(out) as {
        per_million_events: number;
        components: unknown[];
        events_per_day: number;
      };
      expect(j.events_per_day).toBe(5_000_000);
      expect(j.per_million_events).toBeGreaterThan(0);
      expect(j.components.length).toBeGreaterThan(10);
      expect(await run(['--events-per-day', '0'])).not.toBe(0);
      expect(await run(['--profile', 'nonesuch'])).not.toBe(0);
    } finally {
      w.mockRestore();
      e.mockRestore();
    }
  });

  it('without a volume: 1M, 10M, 100M and 1B events a day side by side for each deploy profile, each column the estimate at that volume', async () => {
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
    const [header, ...all] = parse(out) as string[][];
    expect(header).toEqual(['profile', 'component', '1M/day', '10M/day', '100M/day', '1B/day']);
    expect([...new Set(all.map((r) => r[0]))]).toEqual(Object.keys(profiles));
    const rows = all.filter((r) => r[0] === 'starter').map((r) => r.slice(1));
    const volumes = [1e6, 1e7, 1e8, 1e9].map((n) =>
      estimateCost(template, retention, prices, n, {
        parameters: profiles.starter.parameters,
        endpointMemoryMb,
      }),
    );
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
    // Firehose's bronze buffer flushes every 60 s (the template), an object per active partition.
    expect(templateText).toContain('SizeInMBs: 128\n          IntervalInSeconds: 60');
    const objects = Math.max(
      ((30 * 86_400) / 60) * (prices.assumed.activeBronzePartitions as number),
      (1_000_000 * 30 * m.bronzeJsonBytesPerEvent) / (128 * 1024 ** 2),
    );
    const puts = (objects / 1000) * (prices.prices.s3PutPer1000 as number);
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
      // Two consumers read it (enrich and the real-time tier, on by default).
      const onDemand =
        720 * pr.kinesisOnDemandStreamHour +
        gb * (pr.kinesisOnDemandPerGbIn + 2 * pr.kinesisOnDemandPerGbOut) +
        gb * (6 / 30) * pr.kinesisExtendedRetentionPerGbMonth;
      const e = estimateCost(template, retention, prices, n);
      const kinesis = e.components.find((c) => c.component === 'Kinesis Data Streams');
      expect([n, kinesis?.monthly_usd]).toEqual([n, Math.round(Math.min(provisioned, onDemand) * 100) / 100]);
      expect(kinesis?.basis).toMatch(provisioned < onDemand ? `StreamShardCount=${shards}` : /^on-demand/);
    }
  });

  it('the shard checkpoint costs a read and a write per enrich batch: a batch per shard each batching window, or per BatchSize events', () => {
    const pr = prices.prices as { dynamodbPerMillionWrites: number; dynamodbPerMillionReads: number };
    const a = assumed;
    for (const n of [1e6, 1e9]) {
      const events = n * 30;
      const perSecond = (n / 86_400) * a.peakToAverageTraffic;
      const avgBytes = prices.measured.avgEventBytes as number;
      const shards = Math.max(1, Math.ceil((perSecond * avgBytes) / 1024 ** 2), Math.ceil(perSecond / 1000));
      // The template's enrich event source: BatchSize 10000, a 5 s batching window.
      expect(templateText).toContain('BatchSize: 10000\n            MaximumBatchingWindowInSeconds: 5');
      const batches = Math.min(events, Math.max(events / 10_000, (shards * 30 * 86_400) / 5));
      const vaultWrites = events * (a.vaultNewSubjectsPerEvent + a.vaultValuesPerEvent / 25);
      const expected =
        ((batches + vaultWrites) / 1e6) * pr.dynamodbPerMillionWrites +
        ((2 * batches) / 1e6) * pr.dynamodbPerMillionReads;
      expect(
        line(estimateCost(template, retention, prices, n), 'DynamoDB (shard checkpoints, PII vault)'),
      ).toBeCloseTo(expected, 2);
      // Far under one write per event, whatever the volume.
      expect(batches + vaultWrites).toBeLessThan(events / 10);
    }
  });

  it('the raw archive: a month in Standard, then Glacier Instant Retrieval for objects of 128 KB or more, up to its retention', () => {
    const pr = prices.prices as Record<
      's3StandardPerGbMonth' | 's3GlacierIrPerGbMonth' | 's3PutPer1000' | 's3TransitionToGlacierIrPer1000',
      number
    >;
    const bytes = prices.measured.rawArchiveGzBytesPerEvent as number;
    const rawDays = Math.min(retention.raw as number, 365);
    expect(templateText).toMatch(
      /Prefix: raw\/dt=\n\s+ObjectSizeGreaterThan: 131072\n\s+Transitions:\n\s+- StorageClass: GLACIER_IR\n\s+TransitionInDays: 30/,
    );
    // 100M events a day: a batch per shard every 5 s batching window (as the checkpoint test counts
    // them), each object well over 128 KB, so every one moves.
    const n = 100e6;
    const dayGb = (n * bytes) / 1024 ** 3;
    const perSecond = (n / 86_400) * assumed.peakToAverageTraffic;
    const avgBytes = prices.measured.avgEventBytes as number;
    const shards = Math.max(1, Math.ceil((perSecond * avgBytes) / 1024 ** 2), Math.ceil(perSecond / 1000));
    const batches = Math.min(n * 30, Math.max((n * 30) / 10_000, (shards * 30 * 86_400) / 5));
    expect((n * 30 * bytes) / batches).toBeGreaterThan(128 * 1024);
    const expected =
      dayGb * 30 * pr.s3StandardPerGbMonth +
      dayGb * (rawDays - 30) * pr.s3GlacierIrPerGbMonth +
      (batches / 1000) * (pr.s3PutPer1000 + pr.s3TransitionToGlacierIrPer1000);
    expect(
      line(estimateCost(template, retention, prices, n), 'S3 raw archive (after 12 months)'),
    ).toBeCloseTo(expected, 1);
    // Far cheaper than keeping it in Standard.
    expect(expected).toBeLessThan(dayGb * rawDays * pr.s3StandardPerGbMonth * 0.4);
  });

  it('deploy profiles: the starter has no real-time tier; the full one pays Redshift a minute per real-time load', () => {
    for (const [name, p] of Object.entries(profiles))
      for (const [param, value] of Object.entries(p.parameters)) {
        const declared = (template.Parameters as Record<string, { AllowedValues?: unknown[] }>)[param];
        expect([name, param, declared !== undefined]).toEqual([name, param, true]);
        if (declared?.AllowedValues) expect(declared.AllowedValues.map(String)).toContain(String(value));
      }
    const starter = estimateCost(template, retention, prices, 1e6, {
      parameters: profiles.starter.parameters,
    });
    const full = estimateCost(template, retention, prices, 1e6, { parameters: profiles.full.parameters });
    expect(line(starter, 'Real-time tier (Lambda, S3)')).toBeUndefined();
    expect(line(full, 'Real-time tier (Lambda, S3)')).toBeGreaterThan(0);
    const rpuHour = prices.prices.redshiftServerlessRpuHour as number;
    const base = prices.assumed.redshiftHoursPerDay as number;
    const loads = 1440 / Number(profiles.full.parameters.RealtimeLoadMinutes);
    expect(line(starter, 'Redshift Serverless')).toBeCloseTo(
      Number(profiles.starter.parameters.RedshiftBaseCapacity) * base * 30 * rpuHour,
      2,
    );
    expect(line(full, 'Redshift Serverless')).toBeCloseTo(
      Number(profiles.full.parameters.RedshiftBaseCapacity) * (base + loads / 60) * 30 * rpuHour,
      2,
    );
  });

  it('the churn endpoint priced as the training state machine creates it: serverless, by the second at its memory', () => {
    expect(endpointMemoryMb).toBe(2048);
    const a = assumed;
    const pr = prices.prices as Record<
      'sagemakerServerlessPerGbSecond' | 'sagemakerDataProcessedPerGb' | 'sagemakerMlM5LargeHour',
      number
    >;
    const customers = 1e8 * a.scoredCustomersPerDailyEvent;
    const expected =
      30 * customers * (a.scoringMsPerCustomer / 1000) * 2 * pr.sagemakerServerlessPerGbSecond +
      ((30 * customers * a.scoringBytesPerCustomer) / 1024 ** 3) * pr.sagemakerDataProcessedPerGb +
      a.trainingRunsPerMonth * a.trainingHoursPerRun * pr.sagemakerMlM5LargeHour;
    expect(
      line(
        estimateCost(template, retention, prices, 1e8, { endpointMemoryMb }),
        'SageMaker (serverless churn endpoint, training)',
      ),
    ).toBeCloseTo(expected, 2);
  });

  it('the budget goals: the full profile under $1 per million events at 100M a day, the starter under $150 a month at 1M a day', () => {
    const full = estimateCost(template, retention, prices, 1e8, {
      parameters: profiles.full.parameters,
      endpointMemoryMb,
    });
    const starter = estimateCost(template, retention, prices, 1e6, {
      parameters: profiles.starter.parameters,
      endpointMemoryMb,
    });
    expect(full.per_million_events).toBeLessThanOrEqual(1);
    expect(starter.monthly_usd).toBeLessThanOrEqual(150);
  });
});
