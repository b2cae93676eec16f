import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { StartJobRunCommand } from '@aws-sdk/client-glue';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { strFromU8, unzipSync } from 'fflate';
import { simpleParser } from 'mailparser';
import { reportKey } from '../../src/dashboards/reports';
import { verifySignature } from '../../src/domain/audience-sync';
import { parseCsv } from '../../src/domain/batch/csv';
import { fitCustomerModels, SCORE_COLUMNS, scoreCustomer } from '../../src/domain/models/customer-models';
import { SCORING_COLUMNS } from '../../src/domain/models/features';
import { ARTIFACTS, ARTIFACTS_FINGERPRINT } from '../../src/infra/lake-artifacts.generated';
import { signStripe } from '../../src/sources/stripe/signature';
import { apiEvent } from '../helpers/http';
import { countingProxy } from './count-proxy';
import { buildFunction, invoke } from './lambda';
import { emulatorEnv, type Moto, startMoto } from './moto';
import { ACCOUNT, EmulatorStack, REGION, template } from './stack';

/**
 * The AWS path end to end on moto's server: resources created from template.yaml, the functions
 * built as `sam build` builds them (minified) and run in their own processes with the template's
 * environment, the real SDK v3 talking HTTP to the emulator.
 *
 * What the emulator cannot do, and where it is covered instead:
 * - Firehose's dynamic partitioning and GZIP: moto writes each batch as it came (the partition
 *   layout is the embedded delivery's, test/unit/adapters/aws/firehose-delivery.test.ts; the partition key's
 *   value is the same by construction, test/unit/domain/write-keys.test.ts).
 * - IAM and key-policy enforcement: src/infra/key-access.ts and the template checks reason out
 *   every call path statically, each with a planted violation (test/template/checks.test.ts).
 * - Redshift Data BatchExecuteStatement and Athena results: aws-sdk-client-mock in the
 *   redshift-warehouse, pipeline-steps and sql-grammar tests.
 * - Lambda invocation (moto runs functions in Docker, absent here): the bundles run as processes
 *   here instead, and the state machines' Lambda tasks fail on moto's engine, which is how their
 *   failure paths are executed below; their success paths run on the embedded interpreter
 *   (test/integration/pipeline.test.ts), the same ASL files.
 * - SageMaker InvokeEndpoint answers a fixed body: only the scorer's failure path is real here.
 */
const WRITE_KEY = 'emulator-write-key';
let moto: Moto;
let stack: EmulatorStack;
const bundles: Record<string, string> = {};

const env = (fn: string, extra: Record<string, string> = {}) => ({
  ...stack.functionEnv(fn),
  ...emulatorEnv(moto.endpoint),
  ...extra,
});

async function streamRecords(streamName: string, streamArn: string): Promise<KinesisStreamEvent> {
  const k = stack.clients.kinesis;
  const shards = (await k.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const records: KinesisStreamEvent['Records'] = [];
  for (const shard of shards) {
    let it = (
      await k.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (;;) {
      const out = await k.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10000 }));
      for (const r of out.Records ?? [])
        records.push({
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shard.ShardId}:${r.SequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/enrich`,
          awsRegion: REGION,
          eventSourceARN: streamArn,
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.PartitionKey as string,
            sequenceNumber: r.SequenceNumber as string,
            approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
            data: Buffer.from(r.Data as Uint8Array).toString('base64'),
          },
        });
      if (!out.Records?.length || !out.NextShardIterator) break;
      it = out.NextShardIterator;
    }
  }
  return { Records: records };
}

/** Every line of every object under a prefix of the lake bucket (moto may or may not gzip). */
async function lakeLines(prefix: string): Promise<string[]> {
  const bucket = stack.name('LakeBucket');
  const listed = await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const lines: string[] = [];
  for (const o of listed.Contents ?? []) {
    const body = await stack.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
    let bytes = Buffer.from(
      await (body.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    lines.push(...bytes.toString('utf8').split('\n').filter(Boolean));
  }
  return lines;
}

/** The profile store's tables. */
const PROFILE_TABLES = ['ProfileIdentitiesTable', 'ProfileLiveTable', 'ProfileComputedTable'];

/** What the enrich path needs, keys before what they encrypt (the order CloudFormation would take). */
const ENRICH_STACK = [
  'LakeKey',
  'VaultKey',
  'LakeBucket',
  'EventStream',
  'PseudonymizationKeySecret',
  'StreamCheckpointTable',
  'VaultKeysTable',
  'VaultEntriesTable',
  'EnrichFailureQueue',
  'BronzeDeliveryStream',
  'QuarantineDeliveryStream',
];

/** A stream envelope as the ingest function writes it: a Segment identify (with traits) or track. */
function envelope(user: string, id: string, traits?: Record<string, string>) {
  return {
    v: 1,
    kind: 'segment',
    source: 'web',
    receivedAt: '2026-11-30T10:00:02.000Z',
    requestId: `r-${id}`,
    ip: '203.0.113.7',
    userAgent: 'curl/8',
    payload: traits
      ? { type: 'identify', userId: user, messageId: id, traits }
      : { type: 'track', event: 'Product Viewed', userId: user, messageId: id },
    eventId: id,
  };
}

/** A Kinesis event as Lambda's event source mapping delivers it, one record per item. */
function asKinesisEvent(items: unknown[], firstSeq: number, streamArn: string): KinesisStreamEvent {
  return {
    Records: items.map((e, i) => ({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${firstSeq + i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/enrich`,
      awsRegion: REGION,
      eventSourceARN: streamArn,
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'pk',
        sequenceNumber: String(firstSeq + i).padStart(20, '0'),
        approximateArrivalTimestamp: 1764496800,
        data: Buffer.from(typeof e === 'string' ? e : JSON.stringify(e)).toString('base64'),
      },
    })),
  };
}

/** An SQS queue subscribed to the stack's alert topic (raw delivery): what an operator receives. */
async function alertInbox(): Promise<{ QueueUrl?: string }> {
  const inbox = await stack.clients.sqs.send(new CreateQueueCommand({ QueueName: 'alert-inbox' }));
  const attrs = await stack.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: inbox.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await stack.clients.sns.send(
    new SubscribeCommand({
      TopicArn: stack.physical.get('AlertTopic')?.ref,
      Protocol: 'sqs',
      Endpoint: attrs.Attributes?.QueueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return inbox;
}

beforeAll(async () => {
  moto = await startMoto();
  for (const fn of [
    'IngestFunction',
    'EnrichFunction',
    'WebhooksFunction',
    'AlertFunction',
    'PipelineStepsFunction',
    'ScoreFunction',
    'FileIngestFunction',
    'PrivacyFunction',
    'SubjectAccessFunction',
    'ArtifactsFunction',
    'RealtimeFunction',
    'ReprocessFunction',
    'ProfileStreamFunction',
    'ProfileApiFunction',
    'AudiencesFunction',
    'ReportsFunction',
    'ReportUnsubscribeFunction',
  ])
    bundles[fn] = await buildFunction(fn);
  // The c360 CLI, as `npm start` builds it (redrive in AWS mode runs from an operator's machine).
  execFileSync(process.execPath, [join(__dirname, '../../scripts/build.mjs')]);
});

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  stack = new EmulatorStack(moto.endpoint);
});

describe('AWS path on the emulator (minified bundles, real SDK over HTTP)', () => {
  it("write keys from the secret: a key's daily quota is counted in DynamoDB across cold starts, a disabled key is refused until the secret enables it, the key's trust is stamped on its records", async () => {
    await stack.create(['LakeKey', 'EventStream', 'WriteKeysSecret', 'IngestQuotaTable']);
    const hash = (k: string) => createHash('sha256').update(k).digest('hex');
    const table = (disabled: boolean) => ({
      [hash('partner-key')]: { source: 'partner', trust: 'server', name: 'partner', dailyQuota: 15 },
      [hash('old-key')]: { source: 'web', trust: 'client', name: 'old-web', disabled },
    });
    const putTable = (t: object) =>
      stack.clients.secrets.send(
        new PutSecretValueCommand({
          SecretId: stack.physical.get('WriteKeysSecret')?.ref,
          SecretString: JSON.stringify(t),
        }),
      );
    await putTable(table(true));
    // Each invoke is a new process (a cold start): the count can only live in the quota table.
    const send = async (key: string, n: number, tag: string) => {
      const batch = Array.from({ length: n }, (_, i) => ({
        type: 'track',
        event: 'Viewed',
        userId: 'u',
        messageId: `${tag}-${i}`,
      }));
      const out = await invoke(
        bundles.IngestFunction as string,
        apiEvent({
          path: '/v1/batch',
          body: JSON.stringify({ batch }),
          headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
        }),
        env('IngestFunction'),
      );
      if (!out.ok) throw new Error(JSON.stringify(out));
      return (out.result as { statusCode: number; body: string }).statusCode;
    };
    expect(await send('partner-key', 10, 'a')).toBe(200);
    expect(await send('partner-key', 10, 'b')).toBe(429);
    expect(await send('partner-key', 5, 'c')).toBe(200);
    expect(await send('partner-key', 1, 'd')).toBe(429);
    const counted = await stack.clients.dynamodb.send(
      new ScanCommand({ TableName: stack.name('IngestQuotaTable') }),
    );
    expect(counted.Items?.map((i) => [i.id?.S?.replace(/#.*/, ''), i.used?.N])).toEqual([['partner', '15']]);
    expect(await send('old-key', 1, 'e')).toBe(403);
    await putTable(table(false));
    expect(await send('old-key', 1, 'f')).toBe(200);
    const stored = await streamRecords(
      stack.name('EventStream'),
      stack.physical.get('EventStream')?.atts.Arn as string,
    );
    const envs = stored.Records.map(
      (r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()) as Record<string, unknown>,
    );
    expect(envs.filter((e) => e.source === 'partner' && e.trust === 'server')).toHaveLength(15);
    expect(envs.filter((e) => e.source === 'web' && e.trust === 'client')).toHaveLength(1);
    expect(envs).toHaveLength(16);
  });

  it('ingest → Kinesis → enrich → Firehose → S3: every event stored once, PII only in the vault, a redelivered batch stores nothing twice', async () => {
    await stack.create([
      'LakeKey',
      'VaultKey',
      'LakeBucket',
      'EventStream',
      'WriteKeysSecret',
      'PseudonymizationKeySecret',
      'StreamCheckpointTable',
      'VaultKeysTable',
      'VaultEntriesTable',
      'EnrichFailureQueue',
      'BronzeDeliveryStream',
      'QuarantineDeliveryStream',
    ]);
    const keyHash = createHash('sha256').update(WRITE_KEY).digest('hex');
    await stack.clients.secrets.send(
      new PutSecretValueCommand({
        SecretId: stack.physical.get('WriteKeysSecret')?.ref,
        SecretString: JSON.stringify({ [keyHash]: 'web' }),
      }),
    );
    const emails = Array.from({ length: 20 }, (_, i) => `person${i}@example.com`);
    const batch = [
      ...emails.map((email, i) => ({
        type: 'identify',
        messageId: `id-${i}`,
        userId: `user-${i}`,
        traits: { email, plan: 'pro' },
        timestamp: '2026-11-30T10:00:00.000Z',
      })),
      ...emails.map((_, i) => ({
        type: 'track',
        event: 'Product Viewed',
        messageId: `tr-${i}`,
        userId: `user-${i}`,
        properties: { product_id: `sku-${i}`, price: 12.5 },
        timestamp: '2026-11-30T10:00:01.000Z',
      })),
    ];
    const ingest = await invoke(
      bundles.IngestFunction as string,
      apiEvent({
        path: '/v1/batch',
        body: JSON.stringify({ batch, sentAt: '2026-11-30T10:00:02.000Z' }),
        headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      }),
      env('IngestFunction'),
    );
    expect(ingest.ok ? (ingest.result as { statusCode: number }).statusCode : ingest).toBe(200);

    const streamName = stack.name('EventStream');
    const event = await streamRecords(streamName, stack.physical.get('EventStream')?.atts.Arn as string);
    expect(event.Records.length).toBeGreaterThan(0);

    const first = await invoke(bundles.EnrichFunction as string, event, env('EnrichFunction'));
    expect(first.ok ? first.result : first).toEqual({ batchItemFailures: [] });

    const bronze = (await lakeLines('bronze/')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const ids = bronze.map((e) => String(e.messageId ?? e.eventId ?? ''));
    for (const m of batch)
      expect({ id: m.messageId, stored: ids.filter((id) => id === m.messageId).length }).toEqual({
        id: m.messageId,
        stored: 1,
      });
    expect(bronze).toHaveLength(batch.length);
    const text = JSON.stringify(bronze);
    for (const email of emails) expect(text).not.toContain(email);

    // The vault holds one wrapped key per person, sealed with the vault key, never the address.
    const keys = await stack.clients.dynamodb.send(
      new ScanCommand({ TableName: stack.name('VaultKeysTable') }),
    );
    const entries = await stack.clients.dynamodb.send(
      new ScanCommand({ TableName: stack.name('VaultEntriesTable') }),
    );
    expect(keys.Count).toBeGreaterThanOrEqual(emails.length);
    expect(entries.Count).toBeGreaterThanOrEqual(emails.length);
    const vaultText = JSON.stringify(entries.Items);
    for (const email of emails) expect(vaultText).not.toContain(email);

    // One checkpoint item per shard, through that shard's last record.
    const checkpoints = await stack.clients.dynamodb.send(
      new ScanCommand({ TableName: stack.name('StreamCheckpointTable') }),
    );
    const lastPerShard = new Map(
      event.Records.map((r) => [r.eventID.split(':')[0], r.kinesis.sequenceNumber]),
    );
    expect(new Map(checkpoints.Items?.map((i) => [i.shardId?.S, i.through?.S]))).toEqual(lastPerShard);

    // Lambda redelivers the same records (a retry after a timeout): the shard checkpoint skips
    // every one of them.
    const again = await invoke(bundles.EnrichFunction as string, event, env('EnrichFunction'));
    expect(again.ok ? again.result : again).toEqual({ batchItemFailures: [] });
    expect(await lakeLines('bronze/')).toHaveLength(batch.length);
  });

  it('the vault is batched: a batch of many people costs one key read per 100 of them, one KMS data key and one conditional write per new person, one write per 25 values; duplicates cost nothing', async () => {
    await stack.create(ENRICH_STACK);
    const PEOPLE = 120; // over 100: two key reads
    const PER_PERSON = 5;
    const event = asKinesisEvent(
      Array.from({ length: PEOPLE }, (_, p) =>
        Array.from({ length: PER_PERSON }, (_, j) =>
          j === 0
            ? envelope(`u${p}`, `m${p}-${j}`, { email: `p${p}@example.com`, firstName: `Name${p}` })
            : envelope(`u${p}`, `m${p}-${j}`),
        ),
      ).flat(),
      10_000,
      stack.physical.get('EventStream')?.atts.Arn as string,
    );
    const proxy = await countingProxy(moto.endpoint);
    try {
      const viaProxy = () => ({ ...env('EnrichFunction'), AWS_ENDPOINT_URL: proxy.endpoint });
      const first = await invoke(bundles.EnrichFunction as string, event, viaProxy());
      expect(first.ok ? first.result : first).toEqual({ batchItemFailures: [] });
      const keysTable = stack.name('VaultKeysTable');
      const entriesTable = stack.name('VaultEntriesTable');
      const calls = (op: string, table: string) => proxy.counts.get(`DynamoDB_20120810.${op}:${table}`) ?? 0;
      // The stream-time dedupe: one checkpoint read and one write for the whole batch of 600 events.
      const checkpointTable = stack.name('StreamCheckpointTable');
      const dedupeCalls = () => ({
        reads: calls('GetItem', checkpointTable),
        writes: calls('PutItem', checkpointTable) + calls('UpdateItem', checkpointTable),
      });
      expect(dedupeCalls()).toEqual({ reads: 1, writes: 1 });
      const values = PEOPLE * 2; // an email and a first name each
      const measured = {
        keyReads: calls('BatchGetItem', keysTable) + calls('GetItem', keysTable),
        keyCreates: calls('PutItem', keysTable),
        dataKeys: proxy.count('TrentService.GenerateDataKey'),
        decrypts: proxy.count('TrentService.Decrypt'),
        entryWrites: calls('BatchWriteItem', entriesTable) + calls('PutItem', entriesTable),
      };
      expect(measured).toEqual({
        keyReads: Math.ceil(PEOPLE / 100),
        keyCreates: PEOPLE,
        dataKeys: PEOPLE,
        decrypts: 0,
        entryWrites: Math.ceil(values / 25),
      });
      const stored = await stack.clients.dynamodb.send(new ScanCommand({ TableName: entriesTable }));
      expect(stored.Count).toBe(values);

      // The same batch again (a Lambda retry): the checkpoint skips every record, the vault is
      // not called, and the checkpoint is not written again.
      proxy.reset();
      const again = await invoke(bundles.EnrichFunction as string, event, viaProxy());
      expect(again.ok ? again.result : again).toEqual({ batchItemFailures: [] });
      expect(dedupeCalls()).toEqual({ reads: 1, writes: 0 });
      expect(proxy.count('TrentService.')).toBe(0);
      expect(calls('BatchGetItem', keysTable) + calls('BatchWriteItem', entriesTable)).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it("webhooks: a signed Stripe event goes on the stream once; the provider's retry is claimed atomically and answered as a duplicate", async () => {
    await stack.create(['LakeKey', 'EventStream', 'WebhookSecret', 'WebhookReplayTable']);
    const secret = 'whsec_emulator';
    await stack.clients.secrets.send(
      new PutSecretValueCommand({
        SecretId: stack.physical.get('WebhookSecret')?.ref,
        SecretString: JSON.stringify({ stripe: [secret], postbacks: {} }),
      }),
    );
    // A real Stripe event (test/fixtures/real/stripe: from Stripe's own fixtures), sent now.
    const fixtures = JSON.parse(
      readFileSync(join(__dirname, '../fixtures/real/stripe/fixtures.json'), 'utf8'),
    );
    const event = { ...fixtures.event, id: 'evt_emulator_1' };
    const body = JSON.stringify(event);
    const now = Math.floor(Date.now() / 1000);
    const post = () =>
      invoke(
        bundles.WebhooksFunction as string,
        apiEvent({
          path: '/webhooks/stripe',
          body,
          headers: { 'stripe-signature': signStripe(body, secret, now) },
        }),
        env('WebhooksFunction'),
      );
    const first = await post();
    expect(first.ok ? (first.result as { statusCode: number }).statusCode : first).toBe(200);
    const retry = await post();
    expect(retry.ok ? JSON.parse((retry.result as { body: string }).body) : retry).toMatchObject({
      success: true,
      duplicate: true,
    });
    const onStream = await streamRecords(
      stack.name('EventStream'),
      stack.physical.get('EventStream')?.atts.Arn as string,
    );
    expect(onStream.Records).toHaveLength(1);
    const claims = await stack.clients.dynamodb.send(
      new ScanCommand({ TableName: stack.name('WebhookReplayTable') }),
    );
    expect(claims.Items?.map((i) => i.id?.S)).toEqual(['stripe:evt_emulator_1']);
  });

  it('batch files: an object landed under landing/orders/ is read from S3 and its rows put on the stream; bad rows go to rejects/', async () => {
    await stack.create(['LakeKey', 'LakeBucket', 'EventStream']);
    const bucket = stack.name('LakeBucket');
    const key = 'landing/orders/currency=EUR/april orders.csv';
    await stack.clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: 'order_id,customer_id,ordered_at,amount\no1,u1,2026-04-01T10:00:00Z,19.99\no2,u2,2026-04-01,abc\no3,u3,2026-04-02T09:30:00Z,5.00\n',
      }),
    );
    // EventBridge's "Object Created" event for it (S3 URL-encodes the key).
    const out = await invoke(
      bundles.FileIngestFunction as string,
      {
        version: '0',
        'detail-type': 'Object Created',
        source: 'aws.s3',
        detail: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/') } },
      },
      env('FileIngestFunction'),
    );
    expect(out.ok ? out.result : out).toMatchObject({ rows: 3, accepted: 2, rejected: 1 });
    const onStream = await streamRecords(
      stack.name('EventStream'),
      stack.physical.get('EventStream')?.atts.Arn as string,
    );
    const payloads = onStream.Records.map(
      (r) =>
        JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')).payload as Record<string, string>,
    );
    // The stream has several shards: order is per partition key, so compare as a set.
    expect(payloads.map((p) => [p.order_id, p.amount, p.currency]).sort()).toEqual([
      ['o1', '19.99', 'EUR'],
      ['o3', '5.00', 'EUR'],
    ]);
    const rejectsKey = (out.ok ? (out.result as { rejectsKey: string }).rejectsKey : '') as string;
    const rejects = await stack.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: rejectsKey }));
    const lines = (await (rejects.Body as { transformToString(): Promise<string> }).transformToString())
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ line: 3, field: 'amount' })]);
  });

  it('redrive: `c360 redrive --queue-url --stream-arn` reads the on-failure record from SQS, the range back from Kinesis by sequence number, and puts it on the stream again', async () => {
    await stack.create(['LakeKey', 'EventStream', 'EnrichFailureQueue']);
    const streamName = stack.name('EventStream');
    const streamArn = stack.physical.get('EventStream')?.atts.Arn as string;
    const put = await stack.clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        // One partition key: one shard, so the batch is one sequence range as Lambda reports it.
        Records: ['a', 'b', 'c'].map((x) => ({
          PartitionKey: 'one-user',
          Data: Buffer.from(JSON.stringify({ x })),
        })),
      }),
    );
    const seqs = (put.Records ?? []).map((r) => r.SequenceNumber as string);
    const shardId = put.Records?.[0]?.ShardId as string;
    // What Lambda writes to the on-failure destination when it gives up on a batch.
    const queueUrl = stack.physical.get('EnrichFailureQueue')?.ref as string;
    await stack.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({
          requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
          KinesisBatchInfo: {
            shardId,
            startSequenceNumber: seqs[0],
            endSequenceNumber: seqs[2],
            batchSize: 3,
            streamArn,
          },
        }),
      }),
    );
    const cli = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          join(__dirname, '../../dist/cli.mjs'),
          'redrive',
          '--queue-url',
          queueUrl,
          '--stream-arn',
          streamArn,
        ],
        { env: { PATH: process.env.PATH ?? '', ...emulatorEnv(moto.endpoint) } },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });
    expect(cli).toEqual({ code: 0, out: expect.stringContaining('redrove') });
    expect(cli.out).toContain('redrove 3 records in 1 batches');
    const all = await streamRecords(streamName, streamArn);
    const xs = all.Records.map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')).x);
    expect(xs).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    const left = await stack.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }),
    );
    expect(left.Messages ?? []).toEqual([]);
  });

  it("subject access: the minified bundle plans the warehouse UNLOADs and packages a person's copy with their clear values opened from the vault (KMS and DynamoDB over HTTP)", async () => {
    await stack.create(ENRICH_STACK);
    const asEvent = (items: unknown[], from: number) =>
      asKinesisEvent(items, from, stack.physical.get('EventStream')?.atts.Arn as string);
    // Enrich puts Ada's and Grace's clear values in the vault, sealed under their own data keys.
    await invoke(
      bundles.EnrichFunction as string,
      asEvent(
        ['ada', 'grace'].map((p) => envelope(p, `id-${p}`, { email: `${p}@example.com`, firstName: p })),
        1,
      ),
      env('EnrichFunction'),
    );
    const rows = [
      { Data: [{ VarCharValue: 'id_type' }, { VarCharValue: 'id_value' }, { VarCharValue: 'customer_id' }] },
      { Data: [{ VarCharValue: 'user_id' }, { VarCharValue: 'ada' }, { VarCharValue: 'cust-ada' }] },
    ];
    const extra = { REDSHIFT_UNLOAD_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/c360-redshift` };
    const plan = await invoke(
      bundles.SubjectAccessFunction as string,
      {
        step: 'plan',
        request: { userId: 'ada' },
        rows,
        execution: `arn:aws:states:${REGION}:${ACCOUNT}:execution:c360-export-person:req-1`,
      },
      env('SubjectAccessFunction', extra),
    );
    if (!plan.ok) throw new Error(JSON.stringify(plan));
    const planned = plan.result as { prefix: string; customerIds: string[]; unloads: string[] };
    expect(planned.prefix).toBe('access/req-1/');
    expect(planned.customerIds).toEqual(['cust-ada']);
    expect(
      planned.unloads.every((u) =>
        u.includes(`TO 's3://${stack.name('LakeBucket')}/access/req-1/warehouse/`),
      ),
    ).toBe(true);
    // What the Glue export and the UNLOADs would have written under the prefix.
    await stack.clients.s3.send(
      new PutObjectCommand({
        Bucket: stack.name('LakeBucket'),
        Key: 'access/req-1/lake/bronze/events/part-1',
        Body: '{"userId":"ada"}\n{"userId":"ada","n":2}\n',
      }),
    );
    const packed = await invoke(
      bundles.SubjectAccessFunction as string,
      { step: 'package', request: { userId: 'ada' }, rows, prefix: planned.prefix },
      env('SubjectAccessFunction', extra),
    );
    expect(packed.ok ? packed.result : packed).toMatchObject({
      archive: 'access/req-1/person.zip',
      vaultValues: 2,
      stores: { 'lake/bronze': { files: 1, rows: 2 } },
    });
    const zip = await stack.clients.s3.send(
      new GetObjectCommand({ Bucket: stack.name('LakeBucket'), Key: 'access/req-1/person.zip' }),
    );
    const files = unzipSync(
      await (zip.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    const vault = JSON.parse(strFromU8(files['vault.json'] as Uint8Array)) as { value: string }[];
    expect(vault.map((v) => v.value).sort()).toEqual(['ada', 'ada@example.com']);
    expect(strFromU8(files['lake/bronze/events/part-1'] as Uint8Array)).toContain('"n":2');
  });

  it('forget: the privacy steps crypto-shred the person in the vault tables and suppress them; their next event is dropped at enrich', async () => {
    await stack.create([...ENRICH_STACK, ...PROFILE_TABLES]);
    const asEvent = (items: unknown[], from: number) =>
      asKinesisEvent(items, from, stack.physical.get('EventStream')?.atts.Arn as string);
    const people = ['ada', 'grace', 'alan'];
    await invoke(
      bundles.EnrichFunction as string,
      asEvent(
        people.map((p) => envelope(p, `id-${p}`, { email: `${p}@example.com`, firstName: p })),
        1,
      ),
      env('EnrichFunction'),
    );
    const vaultOf = async () =>
      (
        await stack.clients.dynamodb.send(new ScanCommand({ TableName: stack.name('VaultEntriesTable') }))
      ).Items?.map((i) => i.subject?.S) ?? [];
    expect(new Set(await vaultOf())).toEqual(new Set(people.map((p) => `user_id:${p}`)));

    // The forget state machine's erase step, with the identity-map rows Athena returned for Grace.
    const erased = await invoke(
      bundles.PrivacyFunction as string,
      {
        step: 'erase',
        request: { userId: 'grace' },
        rows: [
          {
            Data: [
              { VarCharValue: 'id_type' },
              { VarCharValue: 'id_value' },
              { VarCharValue: 'customer_id' },
            ],
          },
          { Data: [{ VarCharValue: 'user_id' }, { VarCharValue: 'grace' }, { VarCharValue: 'cust-grace' }] },
        ],
      },
      env('PrivacyFunction'),
    );
    expect(erased.ok ? erased.result : erased).toMatchObject({
      customerIds: ['cust-grace'],
      vaultSubjectsShredded: 1,
    });
    expect(new Set(await vaultOf())).toEqual(new Set(['user_id:ada', 'user_id:alan']));
    const keys = await stack.clients.dynamodb.send(
      new ScanCommand({ TableName: stack.name('VaultKeysTable') }),
    );
    expect(keys.Items?.map((i) => i.subject?.S).sort()).toEqual(['user_id:ada', 'user_id:alan']);

    // Grace sends another event: enrich reads the suppression list from S3 and drops it.
    const stored = async () =>
      (await lakeLines('bronze/'))
        .map((l) => JSON.parse(l) as { eventId?: string; messageId?: string })
        .map((e) => String(e.messageId ?? e.eventId));
    const before = await stored();
    const next = await invoke(
      bundles.EnrichFunction as string,
      asEvent([envelope('grace', 'id-grace-2'), envelope('ada', 'id-ada-2')], 100),
      env('EnrichFunction'),
    );
    expect(next.ok ? next.result : next).toEqual({ batchItemFailures: [] });
    const added = (await stored()).filter((id) => !before.includes(id));
    expect(added).toEqual(['id-ada-2']);
  });

  it('profiles: the stream bundle keeps live profiles in DynamoDB, the API bundle answers them by user id and by email with a read key only, and erasure removes them', async () => {
    await stack.create([...ENRICH_STACK, 'ReadKeysSecret', ...PROFILE_TABLES]);
    await stack.clients.secrets.send(
      new PutSecretValueCommand({
        SecretId: stack.physical.get('ReadKeysSecret')?.ref,
        SecretString: JSON.stringify({
          [createHash('sha256').update('rk-storefront').digest('hex')]: { name: 'storefront' },
        }),
      }),
    );
    const asEvent = (items: unknown[], from: number) =>
      asKinesisEvent(items, from, stack.physical.get('EventStream')?.atts.Arn as string);
    const streamed = await invoke(
      bundles.ProfileStreamFunction as string,
      asEvent(
        // A browser's user agent: the profile path leaves bots (curl among them) out.
        [
          envelope('ada', 'p-1', { email: 'Ada@Example.com', plan: 'pro' }),
          envelope('ada', 'p-2'),
          envelope('alan', 'p-3'),
        ].map((e) => ({
          ...e,
          userAgent:
            'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
        })),
        1,
      ),
      env('ProfileStreamFunction'),
    );
    expect(streamed.ok).toBe(true);
    const scan = async (table: string) =>
      (await stack.clients.dynamodb.send(new ScanCommand({ TableName: stack.name(table) }))).Items ?? [];
    expect((await scan('ProfileLiveTable')).length).toBe(2);
    const nodes = (await scan('ProfileIdentitiesTable')).map((i) => i.node?.S).sort();
    expect(nodes).toEqual([
      expect.stringMatching(/^email_hash:[0-9a-f]{64}$/),
      'user_id:ada',
      'user_id:alan',
    ]);

    const get = (id: string, key?: string) =>
      invoke(
        bundles.ProfileApiFunction as string,
        apiEvent({
          method: 'GET',
          path: `/v1/profiles/${encodeURIComponent(id)}`,
          pathParameters: { id },
          headers: key ? { authorization: `Bearer ${key}` } : {},
        }),
        env('ProfileApiFunction'),
      ).then((r) =>
        r.ok ? (r.result as { statusCode: number; body: string }) : Promise.reject(new Error(r.errorMessage)),
      );
    const byUser = await get('user_id:ada', 'rk-storefront');
    const byEmail = await get('email:ada@example.com', 'rk-storefront');
    expect([byUser.statusCode, byEmail.statusCode]).toEqual([200, 200]);
    expect(JSON.parse(byEmail.body)).toEqual(JSON.parse(byUser.body));
    const ada = JSON.parse(byUser.body) as {
      customer_id: string;
      recent_events: { eventId: string }[];
      traits: Record<string, string>;
    };
    expect(new Set(ada.recent_events.map((e) => e.eventId))).toEqual(new Set(['p-1', 'p-2']));
    expect(ada.traits.plan).toBe('pro');
    expect(byUser.body).not.toMatch(/ada@example\.com/i);
    expect((await get('user_id:ada', WRITE_KEY)).statusCode).toBe(403);
    expect((await get('user_id:ada')).statusCode).toBe(401);
    expect((await get('user_id:nobody', 'rk-storefront')).statusCode).toBe(404);

    // Erasure: the privacy bundle removes Ada's profile and keys (the store knew her before any daily run).
    const erased = await invoke(
      bundles.PrivacyFunction as string,
      {
        step: 'erase',
        request: { userId: 'ada' },
        rows: [
          {
            Data: [
              { VarCharValue: 'id_type' },
              { VarCharValue: 'id_value' },
              { VarCharValue: 'customer_id' },
            ],
          },
        ],
      },
      env('PrivacyFunction'),
    );
    expect(erased.ok ? erased.result : erased).toMatchObject({ profilesRemoved: 1 });
    expect((await get('user_id:ada', 'rk-storefront')).statusCode).toBe(404);
    expect((await scan('ProfileLiveTable')).map((i) => JSON.parse(i.doc?.S ?? '{}').identities)).toEqual([
      ['user_id:alan'],
    ]);
    expect((await scan('ProfileIdentitiesTable')).map((i) => i.node?.S)).toEqual(['user_id:alan']);
  });

  it("reports: the minified bundle plans the subscriptions' filter sets, emails a report through SES v2 (MIME with the CSV and List-Unsubscribe) and posts a signed webhook, keeps receipts; the unsubscribe function honours only a signed link; an unverified sender fails with the subscription named", async () => {
    await stack.create(['LakeKey', 'LakeBucket', 'ReportSubscriptionsSecret']);
    const bucket = stack.name('LakeBucket');
    const secretId = stack.physical.get('ReportSubscriptionsSecret')?.ref as string;
    const generated = JSON.parse(
      (await stack.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId })))
        .SecretString as string,
    ) as { signingKey: string; subscriptions: unknown[] };
    // CloudFormation's GenerateSecretString: a signing key, no subscriptions yet.
    expect([generated.signingKey.length, generated.subscriptions]).toEqual([48, []]);
    const sender = template.Parameters.ReportSender?.Default as string;
    const ses = new SESv2Client({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: sender }));
    const hookSecret = 'whsec_emulator_reports_0123';
    const posts: { ok: boolean; body: Record<string, unknown> }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        posts.push({
          ok: verifySignature(
            hookSecret,
            String(req.headers['c360-signature']),
            body,
            Math.floor(Date.now() / 1000),
          ),
          body: JSON.parse(body) as Record<string, unknown>,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reports`;
    try {
      await stack.clients.secrets.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: JSON.stringify({
            signingKey: generated.signingKey,
            subscriptions: [
              { id: 'ops', report: 'daily', email: 'ops@shop.example' },
              { id: 'gb', report: 'daily', filters: { country: 'GB' }, webhook: hook, secret: hookSecret },
            ],
          }),
        }),
      );
      const day = '2026-12-03';
      const csv = 'metric,value,previous,change_pct\norders,3,2,50\n';
      const put = (Key: string, Body: string) =>
        stack.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
      for (const filters of [undefined, { country: 'GB' }]) {
        await put(reportKey('daily', day, filters, 'html'), '<html><body><h1>report</h1></body></html>');
        await put(reportKey('daily', day, filters, 'csv'), csv);
        await put(
          reportKey('daily', day, filters, 'json'),
          JSON.stringify({ title: `summary ${day}`, lines: [] }),
        );
      }
      const run = (fn: string, event: unknown, extra: Record<string, string> = {}) =>
        invoke(bundles[fn] as string, event, env(fn, extra));
      const plan = await run('ReportsFunction', { step: 'plan', date: day });
      expect(plan.ok ? plan.result : plan).toEqual({ filters: [{ country: 'GB' }] });
      const delivered = await run('ReportsFunction', { step: 'deliver', date: day });
      expect(delivered.ok ? (delivered.result as { delivered: unknown }).delivered : delivered).toEqual([
        { id: 'ops', report: `daily-${day}`, to: 'ops@shop.example' },
        { id: 'gb', report: `daily-${day}`, to: hook },
      ]);
      // What SES received (moto keeps the raw message): the MIME nodemailer composed.
      const sesData = (await (await fetch(`${moto.endpoint}/moto-api/data.json`)).json()) as {
        ses: { RawMessage: { source: string; destinations: string[]; raw_data: string }[] };
      };
      expect(sesData.ses.RawMessage).toHaveLength(1);
      const raw = sesData.ses.RawMessage[0] as { source: string; raw_data: string };
      expect(raw.source).toBe(sender);
      const mail = await simpleParser(raw.raw_data);
      expect([mail.subject, (mail.to as { text: string }).text]).toEqual([
        `summary ${day}`,
        'ops@shop.example',
      ]);
      expect(mail.attachments.map((a) => a.content.toString('utf8'))).toEqual([csv]);
      const line =
        mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r?\n\s+/g, ' ') ?? '';
      const link = new URL(/<([^>]+)>/.exec(line)?.[1] as string);
      // The API's own URL (no custom domain by default), the template's route.
      expect(`${link.origin}${link.pathname}`).toBe(
        `https://${stack.name('HttpApi')}.execute-api.${REGION}.amazonaws.com/reports/unsubscribe`,
      );
      expect(posts.map((p) => [p.ok, p.body.subscription, p.body.title])).toEqual([
        [true, 'gb', `summary ${day}`],
      ]);
      // A retried step sends nothing twice.
      const again = await run('ReportsFunction', { step: 'deliver', date: day });
      expect(again.ok ? (again.result as { alreadySent: unknown }).alreadySent : again).toEqual([
        'ops',
        'gb',
      ]);

      // The unsubscribe function: a forged token is refused, the link's token unsubscribes.
      const unsubscribe = (query: string) =>
        run('ReportUnsubscribeFunction', apiEvent({ method: 'POST', path: '/reports/unsubscribe', query }));
      const forged = await unsubscribe(`s=ops&t=${'A'.repeat(43)}`);
      expect(forged.ok ? (forged.result as { statusCode: number }).statusCode : forged).toBe(403);
      const done = await unsubscribe(link.search.slice(1));
      expect(done.ok ? (done.result as { statusCode: number }).statusCode : done).toBe(200);
      const next = '2026-12-04';
      for (const filters of [undefined, { country: 'GB' }]) {
        await put(reportKey('daily', next, filters, 'html'), '<html><body></body></html>');
        await put(reportKey('daily', next, filters, 'csv'), csv);
        await put(reportKey('daily', next, filters, 'json'), JSON.stringify({ title: `summary ${next}` }));
      }
      const after = await run('ReportsFunction', { step: 'deliver', date: next });
      expect(after.ok ? after.result : after).toMatchObject({
        unsubscribed: ['ops'],
        delivered: [{ id: 'gb' }],
      });

      // SES refuses an unverified sender: the step fails with the subscriber named (retried, then alerted).
      await stack.clients.secrets.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: JSON.stringify({
            signingKey: generated.signingKey,
            subscriptions: [{ id: 'finance', report: 'daily', email: 'finance@shop.example' }],
          }),
        }),
      );
      const refused = await run(
        'ReportsFunction',
        { step: 'deliver', date: next },
        { REPORT_SENDER: 'someone@else.example' },
      );
      expect(refused.ok ? refused : [refused.errorType, refused.errorMessage]).toEqual([
        'ReportDeliveryError',
        expect.stringMatching(
          /^1 of 1 report subscription\(s\) not delivered for 2026-12-04: finance \(daily\): .*someone@else\.example/,
        ),
      ]);
    } finally {
      server.close();
    }
  });

  it("audiences: the minified bundle reads the members Athena exported from S3, signs each batch for a webhook whose secret is in Secrets Manager, keeps what it holds and a dead destination's batches in the lake bucket, redrives them, and sends erasure's deletes", async () => {
    await stack.create(['LakeKey', 'LakeBucket', 'AudienceDestinationsSecret']);
    const bucket = stack.name('LakeBucket');
    const secret = 'whsec_emulator_audiences_0123';
    // A receiving tool on loopback: every call's signature checked, each batch applied once.
    const calls: { key: string; ok: boolean; ops: { op: string; customer_id: string }[] }[] = [];
    let failing = true;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const path = req.url ?? '';
        if (path === '/flaky' && failing) {
          res.writeHead(503).end();
          return;
        }
        calls.push({
          key: String(req.headers['idempotency-key']),
          ok: verifySignature(
            secret,
            String(req.headers['c360-signature']),
            body,
            Math.floor(Date.now() / 1000),
          ),
          ops: (JSON.parse(body) as { operations: { op: string; customer_id: string }[] }).operations,
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await stack.clients.secrets.send(
        new PutSecretValueCommand({
          SecretId: stack.physical.get('AudienceDestinationsSecret')?.ref,
          SecretString: JSON.stringify({
            destinations: [
              { name: 'crm', type: 'webhook', url: `${base}/hook`, secret, audiences: '*' },
              {
                name: 'ads',
                type: 'webhook',
                url: `${base}/flaky`,
                secret,
                audiences: ['best_customers'],
                maxAttempts: 2,
              },
              { name: 'files', type: 'file', audiences: ['win_back'] },
            ],
          }),
        }),
      );
      await stack.clients.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'athena-results/q-1.csv',
          Body: '"audience","purpose","customer_id"\n"best_customers","advertising","c_1"\n"win_back","marketing","c_2"\n"win_back","marketing","c_3"\n',
        }),
      );
      const run = (event: unknown) =>
        invoke(bundles.AudiencesFunction as string, event, env('AudiencesFunction')).then((r) =>
          r.ok ? r.result : Promise.reject(new Error(`${r.errorType}: ${r.errorMessage}\n${r.logs}`)),
        );
      const synced = await run({ step: 'sync', members: `s3://${bucket}/athena-results/q-1.csv` });
      // crm: both audiences (2 batches, 3 entries); ads: 1 batch, refused twice; files: 1 batch.
      expect(synced).toEqual({
        audiences: 2,
        destinations: 3,
        entered: 3 + 1 + 2,
        exited: 0,
        deleted: 0,
        batches: 4,
        retries: 1,
        dead_lettered: 1,
      });
      expect(calls.every((c) => c.ok)).toBe(true);
      expect(calls.flatMap((c) => c.ops.map((o) => o.customer_id)).sort()).toEqual(['c_1', 'c_2', 'c_3']);
      const keys = async (prefix: string) =>
        (
          (await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix })))
            .Contents ?? []
        )
          .map((o) => o.Key as string)
          .sort();
      expect(await keys('audiences/held/')).toEqual(['audiences/held/crm.json', 'audiences/held/files.json']);
      expect(await keys('audiences/dead-letter/')).toHaveLength(1);
      const exported = await keys('exports/audiences/files/win_back/');
      expect(exported).toHaveLength(1);
      const csv = await (
        await stack.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: exported[0] }))
      ).Body?.transformToString();
      expect(csv).toBe('op,customer_id\nenter,c_2\nenter,c_3\n');

      // The ads tool is back: redrive delivers the kept batch under its same idempotency key.
      failing = false;
      const deadKey = (await keys('audiences/dead-letter/'))[0] as string;
      expect(await run({ step: 'redrive' })).toEqual({ redriven: 1, still_failing: 0 });
      expect(calls.at(-1)).toMatchObject({
        ok: true,
        key: deadKey.replace(/^.*\/|\.json$/g, ''),
        ops: [{ op: 'enter', customer_id: 'c_1' }],
      });
      expect(await keys('audiences/dead-letter/')).toEqual([]);

      // Erasure: c_1 and c_2 are deleted where they were sent (the file export is the lake's, rewritten by the forget job).
      const before = calls.length;
      expect(await run({ step: 'erase', customerIds: ['c_1', 'c_2'] })).toMatchObject({
        deleted: 4,
        dead_lettered: 0,
      });
      expect(
        calls
          .slice(before)
          .flatMap((c) => c.ops)
          .sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1)),
      ).toEqual([
        { op: 'delete', customer_id: 'c_1' },
        { op: 'delete', customer_id: 'c_1' },
        { op: 'delete', customer_id: 'c_2' },
      ]);
      // The file destination's export is rewritten in place without c_2.
      expect(
        await (
          await stack.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: exported[0] }))
        ).Body?.transformToString(),
      ).toBe('op,customer_id\nenter,c_3\n');
      // The next run's members, without them (the forget job rebuilt gold): nothing to send.
      await stack.clients.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'athena-results/q-2.csv',
          Body: '"audience","purpose","customer_id"\n"win_back","marketing","c_3"\n',
        }),
      );
      const after = calls.length;
      expect(await run({ step: 'sync', members: `s3://${bucket}/athena-results/q-2.csv` })).toMatchObject({
        entered: 0,
        exited: 0,
        batches: 0,
      });
      expect(calls.length).toBe(after);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it("reprocess: the minified bundle opens the sealed raw archive (a forgotten person's stays shut), re-enriches it into a new bronze version and retires the old one", async () => {
    await stack.create(ENRICH_STACK);
    const bucket = stack.name('LakeBucket');
    const people = ['ada', 'grace', 'alan'];
    const out = await invoke(
      bundles.EnrichFunction as string,
      asKinesisEvent(
        people.map((p) => envelope(p, `id-${p}`, { email: `${p}@example.com`, firstName: p })),
        1,
        stack.physical.get('EventStream')?.atts.Arn as string,
      ),
      env('EnrichFunction'),
    );
    expect(out.ok ? out.result : out).toEqual({ batchItemFailures: [] });
    // The archive is one object per batch and arrival hour, straight to S3, sealed: no address in it.
    const DAY = '2026-11-30';
    const s3 = stack.clients.s3;
    const archived = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'raw/dt=' }));
    expect((archived.Contents ?? []).map((o) => o.Key)).toEqual([
      expect.stringMatching(new RegExp(`^raw/dt=${DAY}/hour=10/part-shardId-[0-9-]+\\.ndjson\\.gz$`)),
    ]);
    const raw = await lakeLines('raw/dt=');
    expect(raw).toHaveLength(people.length);
    expect(raw.join('\n')).not.toContain('example.com');
    // enrich recorded when the archive began (ListBucket on that one key, then PutObject).
    expect(await lakeLines('raw/_since.json')).toHaveLength(1);

    // The archive is said to have begun the day before; moto's Firehose ignores dynamic
    // partitioning, so bronze's object is put where Firehose would have put it.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'raw/_since.json',
        Body: '{"since":"2026-11-29T00:00:00.000Z"}',
      }),
    );
    const oldBronze = `bronze/events/source=web/event_type=identify/dt=${DAY}/hour=10/c360-bronze-1.gz`;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: oldBronze,
        Body: gzipSync(`${(await lakeLines('bronze/')).join('\n')}\n`),
      }),
    );

    // Grace is forgotten: her vault key is shredded.
    await invoke(
      bundles.PrivacyFunction as string,
      {
        step: 'erase',
        request: { userId: 'grace' },
        rows: [
          {
            Data: [
              { VarCharValue: 'id_type' },
              { VarCharValue: 'id_value' },
              { VarCharValue: 'customer_id' },
            ],
          },
          { Data: [{ VarCharValue: 'user_id' }, { VarCharValue: 'grace' }, { VarCharValue: 'cust-grace' }] },
        ],
      },
      env('PrivacyFunction'),
    );

    const step = async (payload: Record<string, unknown>) => {
      const r = await invoke(bundles.ReprocessFunction as string, payload, env('ReprocessFunction'));
      if (!r.ok) throw new Error(`${payload.step}: ${r.errorType}: ${r.errorMessage}\n${r.logs}`);
      return r.result as Record<string, unknown>;
    };
    const plan = await step({ step: 'plan', input: { from: DAY, to: DAY }, execution: 'emulator-run-1' });
    expect(plan).toEqual({ runId: 'emulator-run-1', from: DAY, to: DAY, dates: [DAY] });
    const day = await step({ step: 'day', runId: 'emulator-run-1', date: DAY, after: null });
    expect(day).toMatchObject({ done: true, counts: { objects: 1, records: 3, erased: 1, delivered: 2 } });
    expect(await step({ step: 'retire', runId: 'emulator-run-1' })).toMatchObject({ retired: 1 });
    const journal = await step({ step: 'finish', runId: 'emulator-run-1' });
    expect(journal).toMatchObject({
      state: 'done',
      counts: { records: 3, erased: 1, delivered: 2, retired: 1 },
    });

    // Bronze for the day is the new version alone: Ada and Alan, pseudonymized; the old object is gone.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'bronze/events/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key as string).filter((k) => k.includes(`/dt=${DAY}/`));
    expect(keys).toEqual([expect.stringMatching(/\/reprocess-emulator-run-1-[0-9a-f]{16}\.ndjson\.gz$/)]);
    const lines = (await lakeLines(keys[0] as string)).map((l) => JSON.parse(l) as { userId?: string });
    expect(lines.map((e) => e.userId).sort()).toEqual(['ada', 'alan']);
    // Pseudonymized as enrich does (the domain is kept, the local part is an HMAC).
    for (const p of people) expect(JSON.stringify(lines)).not.toContain(`${p}@example.com`);
  });

  it('no delivery stream: the whole batch fails for a retry, the shard checkpoint does not move', async () => {
    // The delivery streams (and the failure queue) are left out: Firehose answers ResourceNotFoundException.
    await stack.create(ENRICH_STACK.filter((r) => !/DeliveryStream$|FailureQueue$/.test(r)));
    const records = asKinesisEvent(
      [envelope('u0', 'm0'), envelope('u1', 'm1')],
      1000,
      stack.physical.get('EventStream')?.atts.Arn as string,
    );
    const out = await invoke(bundles.EnrichFunction as string, records, env('EnrichFunction'));
    // Every record failed: Powertools' batch processor fails the invocation so Lambda retries
    // (and bisects) the batch, and the shard checkpoint did not move: the retry stores them.
    expect(out.ok ? out.result : { errorType: out.errorType }).toEqual({
      errorType: 'FullBatchFailureError',
    });
    expect(out.logs).toContain('Firehose');
    const seen = await stack.clients.dynamodb.send(
      new ScanCommand({ TableName: stack.name('StreamCheckpointTable') }),
    );
    expect(seen.Items ?? []).toEqual([]);
  });

  it('the real-time function (minified bundle) writes each closed window to the lake, one object per window and shard, and leaves Redshift asleep between loads', async () => {
    await stack.create(['LakeKey', 'LakeBucket']);
    await stack.clients.s3.send(
      new PutObjectCommand({
        Bucket: stack.name('LakeBucket'),
        Key: 'reference/currency_rates.csv',
        Body: 'rate_date,currency,usd_per_unit\n2026-11-30,EUR,1.05\n',
      }),
    );
    const order = {
      ...envelope('u1', 'o1'),
      trust: 'server',
      payload: {
        type: 'track',
        event: 'Order Completed',
        userId: 'u1',
        messageId: 'o1',
        properties: { order_id: 'A-1', total: 12.5, currency: 'EUR' },
      },
    };
    const window = { start: '2026-11-30T10:13:00.000Z', end: '2026-11-30T10:14:00.000Z' };
    const event = {
      Records: [
        {
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: 'shardId-000000000000:1',
          eventName: 'aws:kinesis:record',
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: 'u1',
            sequenceNumber: '1',
            data: Buffer.from(JSON.stringify(order)).toString('base64'),
            approximateArrivalTimestamp: Date.parse(window.start) / 1000,
          },
        },
      ],
      window,
      state: {},
      shardId: 'shardId-000000000000',
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: false,
    };
    const proxy = await countingProxy(moto.endpoint);
    try {
      const out = await invoke(bundles.RealtimeFunction as string, event, {
        ...env('RealtimeFunction', {
          REDSHIFT_WORKGROUP: 'c360',
          REDSHIFT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
        }),
        AWS_ENDPOINT_URL: proxy.endpoint,
        REALTIME_LOAD_MINUTES: '15',
      });
      expect(out.ok ? out.result : out).toEqual({ state: {} });
      // 10:13 does not close a 15-minute block: no Redshift Data API call at all.
      expect(proxy.count('RedshiftData.')).toBe(0);
    } finally {
      await proxy.close();
    }
    const rows = (await lakeLines('realtime/dt=2026-11-30/')).map((l) => JSON.parse(l));
    expect(rows).toEqual([
      expect.objectContaining({
        window_start: window.start,
        shard_id: 'shardId-000000000000',
        orders: 1,
        revenue_minor: '{"EUR":1250}',
      }),
    ]);
  });

  /** A scoring batch and the live customer models in the lake bucket, as the daily pipeline leaves them. */
  async function scoringInputs(date: string) {
    const models = fitCustomerModels(
      Array.from({ length: 40 }, (_, i) => ({
        customerId: `p${i}`,
        frequency: i % 2 ? 6 + (i % 5) : i % 3,
        recency: i % 2 ? 40 + (i % 7) : 2 + (i % 4),
        T: 52,
        monetary: i % 2 ? 80 + i : i % 3 ? 15 : 0,
        buyer: true,
      })),
    );
    const key = 'models/customer/v-test/customer-models.json';
    const put = (Key: string, Body: string) =>
      stack.clients.s3.send(new PutObjectCommand({ Bucket: stack.name('LakeBucket'), Key, Body }));
    await put(key, JSON.stringify(models));
    await put(
      `features/model=customer/dt=${date}/batch-0.csv`,
      [
        SCORING_COLUMNS.join(','),
        'c1,3,10,52,25.5,42,true,2026-11-29',
        '"c,2",0,0,7,0,7,false,2026-11-29',
      ].join('\n'),
    );
    return {
      models,
      input: {
        date,
        batch: 0,
        models: { version: 'churn=job-1;customer=v-test', customerModelsKey: key },
        execution: 'arn:aws:states:us-east-1:123456789012:execution:x:y',
      },
    };
  }

  it("the scoring function's failure keeps its error type after minification: the daily pipeline's Retry on DownstreamUnavailableError matches it", async () => {
    await stack.create(['LakeKey', 'LakeBucket']);
    const retried = JSON.parse(
      readFileSync(join(__dirname, '../../statemachines/daily-pipeline.asl.json'), 'utf8'),
    ).States.ScoreBatches.ItemProcessor.States.ScoreBatch.Retry.flatMap(
      (r: { ErrorEquals: string[] }) => r.ErrorEquals,
    );
    const { input } = await scoringInputs('2026-11-30');
    // moto's InvokeEndpoint answers a fixed non-numeric body: every row fails, isolated one by one.
    const out = await invoke(bundles.ScoreFunction as string, input, env('ScoreFunction'));
    if (!out.ok && out.errorType !== 'DownstreamUnavailableError')
      throw new Error(`${out.errorType}: ${out.errorMessage}\n${out.logs.slice(-3000)}`);
    expect(out.ok ? out.result : { errorType: out.errorType }).toEqual({
      errorType: 'DownstreamUnavailableError',
    });
    expect(retried).toContain(out.ok ? '' : out.errorType);
    expect(out.ok ? '' : out.errorMessage).toMatch(/non-numeric score/);
  });

  it('the scoring function (minified bundle, S3 and SageMaker runtime over HTTP) writes every customer score: churn from the endpoint, CLV, P(alive) and segment from the live customer models', async () => {
    await stack.create(['LakeKey', 'LakeBucket']);
    const { models, input } = await scoringInputs('2026-12-01');
    // The endpoint's answer for this batch (moto's InvokeEndpoint returns what it is told to).
    const configured = await fetch(`${moto.endpoint}/moto-api/static/sagemaker/endpoint-results`, {
      method: 'POST',
      body: JSON.stringify({ region: REGION, account_id: ACCOUNT, results: [{ Body: '0.125\n0.875' }] }),
    });
    expect(configured.status).toBe(201);
    const out = await invoke(bundles.ScoreFunction as string, input, env('ScoreFunction'));
    if (!out.ok) throw new Error(`${out.errorType}: ${out.errorMessage}\n${out.logs.slice(-3000)}`);
    expect(out.result).toEqual({ scoresKey: 'scores/model=customer/dt=2026-12-01/batch-0.csv', rows: 2 });
    const body = await stack.clients.s3.send(
      new GetObjectCommand({
        Bucket: stack.name('LakeBucket'),
        Key: 'scores/model=customer/dt=2026-12-01/batch-0.csv',
      }),
    );
    const rows = parseCsv(
      await (body.Body as { transformToString(): Promise<string> }).transformToString(),
    ).map((r) => r.cells);
    const expected = [
      scoreCustomer(
        models,
        { customerId: 'c1', frequency: 3, recency: 10, T: 52, monetary: 25.5, buyer: true },
        0.125,
        '2026-11-29',
        input.models.version,
      ),
      scoreCustomer(
        models,
        { customerId: 'c,2', frequency: 0, recency: 0, T: 7, monetary: 0, buyer: false },
        0.875,
        '2026-11-29',
        input.models.version,
      ),
    ];
    expect(rows).toEqual([
      [...SCORE_COLUMNS],
      ...expected.map((e) => SCORE_COLUMNS.map((c) => String(e[c]))),
    ]);
    expect(rows[2]?.[3]).toBe('prospect');
  });

  it('alerts reach the topic: a failed Glue run of the ETL job is published with its run dates (GetJobRun over HTTP)', async () => {
    await stack.create(['LakeKey', 'LakeBucket', 'AlertTopic', 'EtlJob']);
    const inbox = await alertInbox();
    const run = await stack.clients.glue.send(
      new StartJobRunCommand({
        JobName: stack.name('EtlJob'),
        Arguments: { '--run_date_from': '2026-11-29', '--run_date_to': '2026-11-30' },
      }),
    );
    const out = await invoke(
      bundles.AlertFunction as string,
      {
        version: '0',
        id: 'e',
        'detail-type': 'Glue Job State Change',
        source: 'aws.glue',
        account: ACCOUNT,
        time: '2026-11-30T02:30:00Z',
        region: REGION,
        resources: [],
        detail: {
          jobName: stack.name('EtlJob'),
          jobRunId: run.JobRunId,
          state: 'FAILED',
          message: 'Out of memory',
        },
      },
      env('AlertFunction'),
    );
    expect(out.ok ? out.result : out).toMatchObject({ published: true });
    const got = await stack.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: inbox.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const body = (got.Messages ?? []).map((m) => m.Body).join('\n');
    expect(body).toContain(run.JobRunId);
    expect(body).toContain('2026-11-29 to 2026-11-30');
    expect(body).toContain('Out of memory');
  });

  it('the deploy uploads the SQL plan and the job scripts: the LakeArtifacts custom resource answers CloudFormation SUCCESS and the objects are in the bucket', async () => {
    await stack.create(['LakeKey', 'LakeBucket']);
    // CloudFormation's presigned response URL, on loopback.
    const answers: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        answers.push(body);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const out = await invoke(
        bundles.ArtifactsFunction as string,
        {
          RequestType: 'Create',
          ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:artifacts',
          ResponseURL: `http://127.0.0.1:${port}/cfn-response`,
          StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/c360/1',
          RequestId: 'req-1',
          LogicalResourceId: 'LakeArtifacts',
          ResourceType: 'Custom::LakeArtifacts',
          ResourceProperties: { ServiceToken: 'x', Fingerprint: ARTIFACTS_FINGERPRINT },
        },
        env('ArtifactsFunction'),
      );
      expect(out.ok ? out.result : out).toEqual({ status: 'SUCCESS' });
      expect(answers.map((a) => JSON.parse(a).Status)).toEqual(['SUCCESS']);
      const listed = await stack.clients.s3.send(
        new ListObjectsV2Command({ Bucket: stack.name('LakeBucket'), Prefix: 'artifacts/' }),
      );
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
        Object.keys(ARTIFACTS)
          .map((k) => `artifacts/${k}`)
          .sort(),
      );
      const script = await stack.clients.s3.send(
        new GetObjectCommand({ Bucket: stack.name('LakeBucket'), Key: 'artifacts/glue/run_sql.py' }),
      );
      expect(await (script.Body as { transformToString(): Promise<string> }).transformToString()).toBe(
        ARTIFACTS['glue/run_sql.py'],
      );
    } finally {
      server.close();
    }
  });

  it("the state machines run on moto's Step Functions engine: accepted with the template's substitutions, and a failing first step goes to Catch → alert on SNS → the failed end", async () => {
    const sfn = new SFNClient({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const machines = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === 'AWS::Serverless::StateMachine',
    );
    expect(machines.length).toBe(6);
    // What each machine's failure looks like: its Fail state's error, and the state its alert names.
    const failing: Record<string, { error: string; alert: RegExp } | undefined> = {
      DailyPipeline: {
        error: 'PipelineFailed',
        alert: /daily pipeline .*failed in state ResolveDate: Lambda\.\w+/,
      },
      TrainingStateMachine: { error: 'TrainingFailed', alert: /failed in state ResolveDate/ },
      // (moto leaves $$.Execution.Name null, which AWS fills; the message is otherwise the same.)
      ForgetStateMachine: {
        error: 'PipelineFailed',
        alert: /^c360 erasure \(execution \w*\) failed: Lambda\.\w+/,
      },
      ExportPersonStateMachine: {
        error: 'PipelineFailed',
        alert: /^c360 subject access \(execution \w*\) failed: Lambda\.\w+/,
      },
      ReprocessStateMachine: {
        error: 'ReprocessFailed',
        alert: /^c360 reprocess \w* failed: Lambda\.\w+/,
      },
    };
    for (const [id, r] of machines) {
      // One execution per emulator state (moto's engine fails a second one on the same server).
      await moto.reset();
      stack = new EmulatorStack(moto.endpoint);
      // moto executes ASL when told to; Lambda tasks fail there (no Lambda runtime), which is the
      // failure path under test: the first Task's error must reach the alert topic, naming it.
      await fetch(`${moto.endpoint}/moto-api/config`, {
        method: 'POST',
        body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
      });
      await stack.create(['LakeKey', 'AlertTopic']);
      const inbox = await alertInbox();
      const props = r.Properties as {
        DefinitionUri: string;
        DefinitionSubstitutions?: Record<string, unknown>;
      };
      const subs = stack.resolve(props.DefinitionSubstitutions ?? {}) as Record<string, string>;
      const text = readFileSync(join(__dirname, '../..', props.DefinitionUri), 'utf8').replace(
        /\$\{(\w+)\}/g,
        (_, k: string) => {
          if (subs[k] === undefined) throw new Error(`${id}: no substitution for ${k}`);
          return String(subs[k]);
        },
      );
      const created = await sfn.send(
        new CreateStateMachineCommand({
          name: stack.name(id),
          definition: text,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/${stack.name(id)}`,
        }),
      );
      expect(created.stateMachineArn).toContain(stack.name(id));
      const expected = failing[id];
      if (!expected) continue; // the backfill only starts the daily machine: nothing of its own to alert
      const input =
        id === 'ForgetStateMachine' || id === 'ExportPersonStateMachine'
          ? '{"userId": "u-1"}'
          : id === 'ReprocessStateMachine'
            ? '{"from": "2026-11-01", "to": "2026-11-02"}'
            : '{}';
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: created.stateMachineArn, input }),
      );
      let status = 'RUNNING';
      let error: string | undefined;
      while (status === 'RUNNING') {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        status = d.status as string;
        error = d.error;
        if (status === 'RUNNING') await new Promise((res) => setTimeout(res, 100));
      }
      expect({ id, status, error }).toEqual({ id, status: 'FAILED', error: expected.error });
      const got = await stack.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: inbox.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const bodies = (got.Messages ?? []).map((m) => m.Body ?? '');
      expect({ id, bodies }).toEqual({ id, bodies: [expect.stringMatching(expected.alert)] });
    }
  });
});
