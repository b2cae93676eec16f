import { C360Error } from './errors';

/**
 * Monthly AWS cost of the deployed configuration for a traffic level: the template's resources and
 * parameters (function memory, stream retention, alarms, dashboards, keys, Redshift base capacity),
 * config/retention.json (S3 storage per layer) and the dated price table (config/prices.json, with
 * the measured and assumed workload figures it names). 30-day months; storage after a year.
 */
type Json = Record<string, unknown>;

export interface PriceTable {
  asOf: string;
  region: string;
  sources: Record<string, string>;
  prices: Record<string, number>;
  measured: Record<string, number | string>;
  assumed: Record<string, number | string>;
}

export interface CostLine {
  component: string;
  monthly_usd: number;
  basis: string;
}

export interface CostEstimate {
  events_per_day: number;
  monthly_usd: number;
  per_million_events: number;
  prices_as_of: string;
  region: string;
  components: CostLine[];
}

const round = (v: number) => Math.round(v * 100) / 100;
const GB = 1024 ** 3;

/** What watching and securing the stack costs: CloudWatch alarms, dashboards, metrics and logs; KMS keys and requests. */
function operationsCosts(c: {
  add: (component: string, usd: number, basis: string) => void;
  count: (type: string) => number;
  p: (k: string) => number;
  w: (k: string) => number;
  batches: number;
}): void {
  const { add, count, p, w, batches } = c;
  const alarms = count('AWS::CloudWatch::Alarm');
  const composites = count('AWS::CloudWatch::CompositeAlarm');
  const dashboards = count('AWS::CloudWatch::Dashboard');
  const logGb = (batches * w('logBytesPerBatch')) / GB;
  add(
    'CloudWatch',
    alarms * p('cloudwatchAlarmMonth') +
      composites * p('cloudwatchCompositeAlarmMonth') +
      dashboards * p('cloudwatchDashboardMonth') +
      w('customMetrics') * p('cloudwatchCustomMetricMonth') +
      logGb * p('cloudwatchLogsPerGbIngested'),
    `${alarms} alarms, ${composites} composite, ${dashboards} dashboards, ${w('customMetrics')} metrics, ${logGb.toFixed(2)} GB logs`,
  );
  const keys = count('AWS::KMS::Key');
  add(
    'KMS',
    keys * p('kmsKeyMonth') + ((batches * w('kmsRequestsPerBatch')) / 10_000) * p('kmsPer10kRequests'),
    `${keys} keys`,
  );
}

export function estimateCost(
  template: Json,
  retention: Record<string, number | null>,
  table: PriceTable,
  eventsPerDay: number,
): CostEstimate {
  if (!(eventsPerDay > 0))
    throw new C360Error(`events per day must be a positive number, got ${eventsPerDay}`);
  const p = (k: string) => {
    const v = table.prices[k];
    if (typeof v !== 'number') throw new C360Error(`config/prices.json has no price "${k}"`);
    return v;
  };
  const w = (k: string) => {
    const v = table.measured[k] ?? table.assumed[k];
    if (typeof v !== 'number') throw new C360Error(`config/prices.json has no workload figure "${k}"`);
    return v;
  };
  const resources = (template.Resources ?? {}) as Record<string, { Type: string; Properties?: Json }>;
  const globals = ((template.Globals as Json | undefined)?.Function ?? {}) as Json;
  const params = (template.Parameters ?? {}) as Record<string, { Default?: unknown }>;
  const memoryGb = (fn: string) =>
    Number(resources[fn]?.Properties?.MemorySize ?? globals.MemorySize ?? 128) / 1024;
  const count = (type: string) => Object.values(resources).filter((r) => r.Type === type).length;

  const E = eventsPerDay * 30;
  const requests = E / w('eventsPerRequest');
  const batches = E / w('enrichBatchEvents');
  const lines: CostLine[] = [];
  const add = (component: string, usd: number, basis: string) =>
    lines.push({ component, monthly_usd: round(usd), basis });

  add(
    'API Gateway (HTTP API)',
    (requests / 1e6) * p('httpApiPerMillionRequests'),
    `${Math.round(requests)} requests of ${w('eventsPerRequest')} events`,
  );
  const ingestGbS = E * (w('ingestMsPerEvent') / 1000) * memoryGb('IngestFunction');
  add(
    'Lambda ingest',
    ingestGbS * p('lambdaArmPerGbSecond') + (requests / 1e6) * p('lambdaPerMillionRequests'),
    `${Math.round(ingestGbS)} GB-s at ${memoryGb('IngestFunction') * 1024} MB (measured ${w('ingestMsPerEvent')} ms/event)`,
  );
  const enrichGbS = E * (w('enrichMsPerEvent') / 1000) * memoryGb('EnrichFunction');
  add(
    'Lambda enrich',
    enrichGbS * p('lambdaArmPerGbSecond') + (batches / 1e6) * p('lambdaPerMillionRequests'),
    `${Math.round(enrichGbS)} GB-s at ${memoryGb('EnrichFunction') * 1024} MB (measured ${w('enrichMsPerEvent')} ms/event)`,
  );

  // Kinesis bills each record rounded up to 1 KB, in and out (enrich reads it once).
  const streamGb = (E * Math.ceil(w('avgEventBytes') / 1024) * 1024) / GB;
  const retentionHours = Number(
    Object.values(resources).find((r) => r.Type === 'AWS::Kinesis::Stream')?.Properties
      ?.RetentionPeriodHours ?? 24,
  );
  const extendedShare = Math.max(0, Math.min(retentionHours, 168) - 24) / 24 / 30;
  // The capacity mode that costs less at this volume (template parameters StreamCapacityMode and
  // StreamShardCount): on-demand bills per GB in and out; provisioned per shard-hour, sized for the
  // peak (the assumed peak-to-average ratio) at 1 MB/s or 1,000 records/s per shard, both of which
  // each of the two consumers (enrich, the real-time tier) also reads, plus 25 KB PUT payload units.
  const onDemand =
    720 * p('kinesisOnDemandStreamHour') +
    streamGb * (p('kinesisOnDemandPerGbIn') + p('kinesisOnDemandPerGbOut')) +
    streamGb * extendedShare * p('kinesisExtendedRetentionPerGbMonth');
  const peakPerSecond = (eventsPerDay / 86_400) * w('peakToAverageTraffic');
  const shards = Math.max(
    1,
    Math.ceil((peakPerSecond * w('avgEventBytes')) / (1024 * 1024)),
    Math.ceil(peakPerSecond / 1000),
  );
  const putUnits = E * Math.ceil(w('avgEventBytes') / (25 * 1024));
  const provisioned =
    shards * 720 * p('kinesisProvisionedShardHour') +
    (putUnits / 1e6) * p('kinesisProvisionedPerMillionPutUnits') +
    (retentionHours > 24 ? shards * 720 * p('kinesisProvisionedExtendedRetentionShardHour') : 0);
  if (provisioned < onDemand)
    add(
      'Kinesis Data Streams',
      provisioned,
      `provisioned: ${shards} shards for a ${w('peakToAverageTraffic')}× peak (StreamCapacityMode=PROVISIONED StreamShardCount=${shards}); on-demand would be $${round(onDemand)}`,
    );
  else
    add(
      'Kinesis Data Streams',
      onDemand,
      `on-demand: ${streamGb.toFixed(1)} GB in and out, ${retentionHours} h retention; ${shards} provisioned shards would be $${round(provisioned)}`,
    );
  // Firehose bills each record rounded up to its billing increment (5 KB): one canonical event per
  // record (enrich's PutRecordBatch) is billed as at least 5 KB, whatever its size.
  const increment = p('firehoseBillingIncrementKb') * 1024;
  const firehoseGb = (E * Math.ceil(w('bronzeJsonBytesPerEvent') / increment) * increment) / GB;
  const dynamic = JSON.stringify(resources).includes('DynamicPartitioningConfiguration');
  add(
    'Firehose',
    firehoseGb * (p('firehosePerGbIngested') + (dynamic ? p('firehoseDynamicPartitioningPerGb') : 0)),
    `${firehoseGb.toFixed(1)} GB billed (${w('bronzeJsonBytesPerEvent')} B events in ${p('firehoseBillingIncrementKb')} KB increments)${dynamic ? ', dynamic partitioning' : ''}`,
  );

  // S3 after a year: each layer keeps min(retention, 365) days of data.
  const keep = (layer: string) => Math.min(retention[layer] ?? 365, 365);
  const dayGb = (bytes: number) => (eventsPerDay * bytes) / GB;
  const storedGb =
    dayGb(w('bronzeGzBytesPerEvent')) * keep('bronze') +
    dayGb(w('silverBytesPerEvent')) * keep('silver') +
    dayGb(w('goldBytesPerEvent')) * keep('gold');
  add(
    'S3 (lake, after 12 months)',
    storedGb * p('s3StandardPerGbMonth') + (batches / 1000) * p('s3PutPer1000'),
    `${storedGb.toFixed(0)} GB by config/retention.json (measured ${w('bronzeGzBytesPerEvent')}/${w('silverBytesPerEvent')}/${w('goldBytesPerEvent')} B per event in bronze/silver/gold)`,
  );
  add(
    'DynamoDB (dedupe, vault)',
    ((E * 2) / 1e6) * p('dynamodbPerMillionWrites'),
    `${E * 2} writes (claim and commit per event)`,
  );
  const dpuHours =
    30 * Math.max(w('etlMinDpuHoursPerRun'), (eventsPerDay / 1e6) * w('etlDpuHoursPerMillionEvents'));
  add('Glue ETL', dpuHours * p('glueDpuHour'), `${dpuHours.toFixed(1)} DPU-hours (30 daily runs)`);
  const rpu = Number(params.RedshiftBaseCapacity?.Default ?? 8);
  add(
    'Redshift Serverless',
    rpu * w('redshiftHoursPerDay') * 30 * p('redshiftServerlessRpuHour'),
    `${rpu} RPU × ${w('redshiftHoursPerDay')} h/day`,
  );
  add(
    'SageMaker endpoint',
    w('sagemakerEndpointHoursPerDay') * 30 * p('sagemakerMlM5LargeHour'),
    `ml.m5.large × ${w('sagemakerEndpointHoursPerDay')} h/day`,
  );
  add(
    'Step Functions',
    ((30 * w('stateTransitionsPerDailyRun')) / 1000) * p('stepFunctionsPer1000Transitions'),
    `${30 * w('stateTransitionsPerDailyRun')} transitions`,
  );
  operationsCosts({ add, count, p, w, batches });

  const total = round(lines.reduce((a, l) => a + l.monthly_usd, 0));
  return {
    events_per_day: eventsPerDay,
    monthly_usd: total,
    per_million_events: round(total / (E / 1e6)),
    prices_as_of: table.asOf,
    region: table.region,
    components: lines,
  };
}

/** The volumes `c360 cost` compares when no single one is asked for. */
export const COST_VOLUMES = [1_000_000, 10_000_000, 100_000_000, 1_000_000_000] as const;

const volumeLabel = (n: number) => (n >= 1e9 ? `${n / 1e9}B/day` : n >= 1e6 ? `${n / 1e6}M/day` : `${n}/day`);

/**
 * Estimates side by side: one row per component with its monthly USD at each volume, then the
 * total and the cost per million events (where the money goes as traffic grows).
 */
export function costComparison(estimates: CostEstimate[]): Record<string, string | number>[] {
  const components = [...new Set(estimates.flatMap((e) => e.components.map((c) => c.component)))];
  const row = (component: string, value: (e: CostEstimate) => number) => ({
    component,
    ...Object.fromEntries(estimates.map((e) => [volumeLabel(e.events_per_day), value(e)])),
  });
  return [
    ...components.map((c) => row(c, (e) => e.components.find((l) => l.component === c)?.monthly_usd ?? 0)),
    row('total a month', (e) => e.monthly_usd),
    row('per million events', (e) => e.per_million_events),
  ];
}
