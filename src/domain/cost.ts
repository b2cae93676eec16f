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
  /** KMS data keys the vault generates (one per new person). */
  dataKeys: number;
}): void {
  const { add, count, p, w, batches, dataKeys } = c;
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
    keys * p('kmsKeyMonth') +
      ((batches * w('kmsRequestsPerBatch') + dataKeys) / 10_000) * p('kmsPer10kRequests'),
    `${keys} keys, ${Math.round(batches * w('kmsRequestsPerBatch') + dataKeys)} requests`,
  );
}

/** How a deploy differs from the template's defaults, and what lives outside the template. */
export interface DeployOptions {
  /** Parameter overrides (a deploy profile's, config/profiles.json). */
  parameters?: Record<string, string | number>;
  /** The churn endpoint's serverless memory, as the training state machine creates it (MB). */
  endpointMemoryMb?: number;
}

export function estimateCost(
  template: Json,
  retention: Record<string, number | null>,
  table: PriceTable,
  eventsPerDay: number,
  deploy: DeployOptions = {},
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
  const param = (name: string): string => {
    const v = deploy.parameters?.[name] ?? params[name]?.Default;
    if (v === undefined) throw new C360Error(`template.yaml has no parameter ${name}`);
    return String(v);
  };
  const memoryGb = (fn: string) =>
    Number(resources[fn]?.Properties?.MemorySize ?? globals.MemorySize ?? 128) / 1024;
  const count = (type: string) => Object.values(resources).filter((r) => r.Type === type).length;

  const E = eventsPerDay * 30;
  const requests = E / w('eventsPerRequest');
  // Enrich batches: a shard with traffic yields a batch every batching window, or sooner when
  // BatchSize records are waiting (the enrich function's Kinesis event source in the template).
  const stream = (
    (resources.EnrichFunction?.Properties?.Events as Json | undefined)?.Stream as Json | undefined
  )?.Properties as Json | undefined;
  const batchSize = Number(stream?.BatchSize ?? 100);
  const batchWindowS = Math.max(1, Number(stream?.MaximumBatchingWindowInSeconds ?? 1));
  const peakPerSecond = (eventsPerDay / 86_400) * w('peakToAverageTraffic');
  const shards = Math.max(
    1,
    Math.ceil((peakPerSecond * w('avgEventBytes')) / (1024 * 1024)),
    Math.ceil(peakPerSecond / 1000),
  );
  const batches = Math.min(E, Math.max(E / batchSize, (shards * 30 * 86_400) / batchWindowS));
  const realtime = param('RealtimeTier') === 'enabled';
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

  // Kinesis bills each record rounded up to 1 KB, in and out (each consumer reads it once: enrich,
  // and the real-time tier when it is on).
  const consumers = 1 + (realtime ? 1 : 0) + (param('ProfileStore') === 'live' ? 1 : 0);
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
    streamGb * (p('kinesisOnDemandPerGbIn') + consumers * p('kinesisOnDemandPerGbOut')) +
    streamGb * extendedShare * p('kinesisExtendedRetentionPerGbMonth');
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
      `on-demand: ${streamGb.toFixed(1)} GB in, read by ${consumers} consumer(s), ${retentionHours} h retention; ${shards} provisioned shards would be $${round(provisioned)}`,
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

  // Firehose writes an object per active partition each time its buffer flushes (its interval,
  // or sooner at its size): the bronze stream's BufferingHints in the template.
  const bronzeHints = ((
    resources.BronzeDeliveryStream?.Properties?.ExtendedS3DestinationConfiguration as Json | undefined
  )?.BufferingHints ?? {}) as Json;
  const flushes = (30 * 86_400) / Number(bronzeHints.IntervalInSeconds ?? 300);
  const firehoseObjects = Math.max(
    flushes * w('activeBronzePartitions'),
    (E * w('bronzeJsonBytesPerEvent')) / (Number(bronzeHints.SizeInMBs ?? 5) * 1024 * 1024),
  );
  // S3 after a year: each layer keeps min(retention, 365) days of data.
  const keep = (layer: string) => Math.min(retention[layer] ?? 365, 365);
  const dayGb = (bytes: number) => (eventsPerDay * bytes) / GB;
  // The raw archive: one object per enrich batch (and arrival hour). Objects of 128 KB or more move
  // to Glacier Instant Retrieval after 30 days (the raw-glacier-ir rule: smaller ones would be
  // billed as 128 KB there, and each move is a request); smaller ones stay in Standard.
  const rawDays = keep('raw');
  const rawDayGb = dayGb(w('rawArchiveGzBytesPerEvent'));
  const objectBytes = (E * w('rawArchiveGzBytesPerEvent')) / Math.max(1, batches);
  const moved = objectBytes >= 128 * 1024;
  const rawStandardGb = rawDayGb * (moved ? Math.min(30, rawDays) : rawDays);
  const rawGlacierGb = moved ? rawDayGb * Math.max(0, rawDays - 30) : 0;
  add(
    'S3 raw archive (after 12 months)',
    rawStandardGb * p('s3StandardPerGbMonth') +
      rawGlacierGb * p('s3GlacierIrPerGbMonth') +
      (batches / 1000) * (p('s3PutPer1000') + (moved ? p('s3TransitionToGlacierIrPer1000') : 0)),
    `${rawStandardGb.toFixed(0)} GB Standard + ${rawGlacierGb.toFixed(0)} GB Glacier IR (measured ${w('rawArchiveGzBytesPerEvent')} B per event sealed), ${Math.round(batches)} objects of ${(objectBytes / 1024).toFixed(0)} KB`,
  );
  const storedGb =
    dayGb(w('bronzeGzBytesPerEvent')) * keep('bronze') +
    dayGb(w('silverBytesPerEvent')) * keep('silver') +
    dayGb(w('goldBytesPerEvent')) * keep('gold');
  add(
    'S3 (lake, after 12 months)',
    storedGb * p('s3StandardPerGbMonth') + (firehoseObjects / 1000) * p('s3PutPer1000'),
    `${storedGb.toFixed(0)} GB by config/retention.json (measured ${w('bronzeGzBytesPerEvent')}/${w('silverBytesPerEvent')}/${w('goldBytesPerEvent')} B per event in bronze/silver/gold)`,
  );
  // Enrich's shard checkpoint: one strongly consistent read and one write per batch (counted on the
  // AWS emulator, test/emulator). The PII vault: a conditional write per new person, one per 25
  // values, a key read per 100 people of a batch (counted there too).
  // The raw archive seals every record under its subject's key: a key for every new subject
  // (anonymous visitors too), read at most once a minute per container.
  const vaultWrites = E * (w('vaultNewSubjectsPerEvent') + w('vaultValuesPerEvent') / 25);
  const dynamoWrites = batches + vaultWrites;
  const dynamoReads = batches * 2;
  add(
    'DynamoDB (shard checkpoints, PII vault)',
    (dynamoWrites / 1e6) * p('dynamodbPerMillionWrites') + (dynamoReads / 1e6) * p('dynamodbPerMillionReads'),
    `${Math.round(batches)} batches of up to ${batchSize} (one checkpoint read and write each), ${Math.round(vaultWrites)} vault writes`,
  );
  // The profile store: the stream path (when ProfileStore is live) reads the keys and live halves a
  // batch touches and writes each touched customer's live half once per batch (DynamoDB bills a
  // write per KB, an eventually consistent read per 4 KB at half a unit); the daily sync writes
  // every scored customer's computed half and keys; each profile API lookup reads a key and two halves.
  const profileStore = param('ProfileStore');
  const profileStream = profileStore === 'live';
  const profileCustomers = eventsPerDay * w('scoredCustomersPerDailyEvent');
  const liveWrites = profileStream
    ? E * (w('profileLiveWritesPerEvent') * w('profileLiveDocKb') + w('profileNewKeysPerEvent'))
    : 0;
  const liveReads = profileStream ? E * w('profileLiveWritesPerEvent') * 2 * 0.5 : 0;
  // The sync writes a computed half only when its row changed (scores move daily: every scored
  // customer) and a key link only when it is new (glue/profiles_sync.py keeps the last run's hashes).
  const syncWrites = 30 * profileCustomers + E * w('profileNewKeysPerEvent');
  const lookupReads = E * w('profileLookupsPerEvent') * 3 * 0.5;
  const syncDpuHours =
    30 *
    Math.max(
      w('profileSyncMinDpuHoursPerRun'),
      (profileCustomers / 1e6) * w('profileSyncDpuHoursPerMillionCustomers'),
    );
  if (profileStore !== 'disabled')
    add(
      'Profile store (DynamoDB, stream Lambda, sync job)',
      ((liveWrites + syncWrites) / 1e6) * p('dynamodbPerMillionWrites') +
        ((liveReads + lookupReads) / 1e6) * p('dynamodbPerMillionReads') +
        (profileStream
          ? E *
              (w('profileStreamMsPerEvent') / 1000) *
              memoryGb('ProfileStreamFunction') *
              p('lambdaArmPerGbSecond') +
            (batches / 1e6) * p('lambdaPerMillionRequests')
          : 0) +
        syncDpuHours * p('glueDpuHour'),
      `${Math.round(liveWrites + syncWrites)} write units (${profileStream ? `live halves ${w('profileLiveWritesPerEvent')} per event × ${w('profileLiveDocKb')} KB` : 'stream path off'}, ${Math.round(profileCustomers)} computed halves a day), ${Math.round(liveReads + lookupReads)} read units (${w('profileLookupsPerEvent')} lookups per event); ${syncDpuHours.toFixed(1)} DPU-hours of sync`,
    );
  const dpuHours =
    30 * Math.max(w('etlMinDpuHoursPerRun'), (eventsPerDay / 1e6) * w('etlDpuHoursPerMillionEvents'));
  add('Glue ETL', dpuHours * p('glueDpuHour'), `${dpuHours.toFixed(1)} DPU-hours (30 daily runs)`);
  // Redshift Serverless bills RPU-seconds while it runs, at least 60 s each time it wakes: the
  // daily load and the dashboards' queries, and with the real-time tier one load per
  // RealtimeLoadMinutes (a minute each at least).
  const rpu = Number(param('RedshiftBaseCapacity'));
  const loadEvery = Number(param('RealtimeLoadMinutes'));
  const realtimeHours = realtime ? 24 / loadEvery : 0;
  const redshiftHours = w('redshiftHoursPerDay') + realtimeHours;
  add(
    'Redshift Serverless',
    rpu * redshiftHours * 30 * p('redshiftServerlessRpuHour'),
    `${rpu} RPU × ${redshiftHours.toFixed(2)} h/day (${w('redshiftHoursPerDay')} h pipeline and dashboards${realtime ? `, ${(1440 / loadEvery).toFixed(0)} real-time loads of ≥ 60 s` : ''})`,
  );
  if (realtime)
    add(
      'Real-time tier (Lambda, S3)',
      ((shards * 30 * 1440) / 1000) * p('s3PutPer1000') +
        ((shards * 30 * 1440) / 1e6) * p('lambdaPerMillionRequests') +
        E * (w('realtimeMsPerEvent') / 1000) * memoryGb('RealtimeFunction') * p('lambdaArmPerGbSecond'),
      `${shards} shard(s) × a window a minute, one object each`,
    );
  // The churn endpoint as the training state machine creates it: serverless inference, billed per
  // second of compute at its memory size and per GB in and out, for the daily scoring; and the
  // training jobs (ml.m5.large) the pipeline starts.
  const customers = eventsPerDay * w('scoredCustomersPerDailyEvent');
  const memGb = (deploy.endpointMemoryMb ?? 2048) / 1024;
  const inferenceSeconds = 30 * customers * (w('scoringMsPerCustomer') / 1000);
  const inferenceGb = (30 * customers * w('scoringBytesPerCustomer')) / GB;
  const trainingHours = w('trainingRunsPerMonth') * w('trainingHoursPerRun');
  add(
    'SageMaker (serverless churn endpoint, training)',
    inferenceSeconds * memGb * p('sagemakerServerlessPerGbSecond') +
      inferenceGb * p('sagemakerDataProcessedPerGb') +
      trainingHours * p('sagemakerMlM5LargeHour'),
    `${Math.round(inferenceSeconds)} s of ${memGb * 1024} MB serverless inference for ${Math.round(customers)} customers a day; ${trainingHours} training hours`,
  );
  add(
    'Step Functions',
    ((30 * w('stateTransitionsPerDailyRun')) / 1000) * p('stepFunctionsPer1000Transitions'),
    `${30 * w('stateTransitionsPerDailyRun')} transitions`,
  );
  operationsCosts({ add, count, p, w, batches, dataKeys: E * w('vaultNewSubjectsPerEvent') });

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
