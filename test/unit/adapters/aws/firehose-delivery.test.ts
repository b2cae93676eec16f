import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoCheckpointStore } from '../../../../src/adapters/aws/dynamodb-checkpoint';
import { FirehoseDelivery } from '../../../../src/adapters/aws/firehose-delivery';
import type { CanonicalEvent } from '../../../../src/domain/event';
import { enrichUnderTest } from '../../../helpers/enrich';
import { kinesisEvent, segmentEnvelope } from '../../../helpers/kinesis';

const firehose = mockClient(FirehoseClient);
const dynamo = mockClient(DynamoDBClient);
const noSleep = async () => {};
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ prefix: 'p/', line: `{"i":${i}}` }));
const sent = (call: number) =>
  firehose
    .commandCalls(PutRecordBatchCommand)
    [call]?.args[0].input.Records?.map((r) => Buffer.from(r.Data as Uint8Array).toString());

describe('FirehoseDelivery', () => {
  beforeEach(() => firehose.reset());

  it('sends newline-terminated JSON in calls of at most 500 records', async () => {
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records.map(() => ({ RecordId: 'r' })),
    }));
    const d = new FirehoseDelivery({
      deliveryStreamName: 'bronze',
      client: new FirehoseClient({}),
      sleep: noSleep,
    });
    const res = await d.deliver(items(1100));
    expect(res).toMatchObject({ failed: [], calls: 3 });
    expect(firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input.Records?.length)).toEqual([
      500, 500, 100,
    ]);
    expect(sent(0)?.[0]).toBe('{"i":0}\n');
    expect(firehose).toHaveReceivedCommandWith(PutRecordBatchCommand, { DeliveryStreamName: 'bronze' });
  });

  it('retries only the failed entries of RequestResponses (30% failing on the first try)', async () => {
    let first = true;
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => {
      const fail = (k: number) => first && k % 10 < 3;
      const responses = input.Records.map((_, k) =>
        fail(k)
          ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' }
          : { RecordId: `r${k}` },
      );
      first = false;
      return {
        FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
        RequestResponses: responses,
      };
    });
    const d = new FirehoseDelivery({
      deliveryStreamName: 'bronze',
      client: new FirehoseClient({}),
      sleep: noSleep,
    });
    const res = await d.deliver(items(100));
    expect(res.failed).toEqual([]);
    expect(res.retried).toBe(30);
    expect(sent(1)).toHaveLength(30);
    expect(sent(1)?.[0]).toBe('{"i":0}\n');
    expect(sent(1)?.[3]).toBe('{"i":10}\n');
  });

  it('retries a throttled call and returns what is still failing after maxAttempts', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    firehose.on(PutRecordBatchCommand).rejects(throttled);
    const d = new FirehoseDelivery({
      deliveryStreamName: 'bronze',
      client: new FirehoseClient({}),
      sleep: noSleep,
      maxAttempts: 3,
    });
    const res = await d.deliver(items(4));
    expect(res.failed).toEqual([0, 1, 2, 3]);
    expect(res.lastError).toBe('ThrottlingException: Rate exceeded');
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(3);
  });

  it('end to end through the enrich handler: throttling then partial failure loses and duplicates nothing', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const stored: string[] = [];
    let call = 0;
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: { Data: Uint8Array }[] }) => {
      call++;
      if (call === 1) throw throttled;
      const responses = input.Records.map((r, k) => {
        if (call === 2 && k % 3 === 0) return { ErrorCode: 'InternalFailure', ErrorMessage: 'x' };
        stored.push(Buffer.from(r.Data).toString());
        return { RecordId: `r${k}` };
      });
      return {
        FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
        RequestResponses: responses,
      };
    });
    const delivery = new FirehoseDelivery({
      deliveryStreamName: 'bronze',
      client: new FirehoseClient({}),
      sleep: noSleep,
    });
    const { handler } = enrichUnderTest({ delivery });
    const batch = kinesisEvent(Array.from({ length: 50 }, (_, i) => segmentEnvelope({ messageId: `m${i}` })));
    const res = await handler(batch);
    await handler(batch); // Kinesis redelivers the whole batch (e.g. after a timeout)
    expect(res.batchItemFailures).toEqual([]);
    const ids = stored.map((l) => (JSON.parse(l) as CanonicalEvent).eventId).sort();
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`).sort());
  });
});

describe('DynamoCheckpointStore', () => {
  beforeEach(() => dynamo.reset());
  const refused = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  it('reads with a consistent read; no item is the empty checkpoint', async () => {
    dynamo.on(GetItemCommand).resolves({});
    const store = new DynamoCheckpointStore({ tableName: 'cp', client: new DynamoDBClient({}) });
    expect(await store.get('shardId-000000000001')).toEqual({ through: null, beyond: [], version: 0 });
    dynamo
      .on(GetItemCommand)
      .resolves({ Item: { shardId: { S: 't' }, beyond: { S: '[]' }, version: { N: '2' } } });
    expect(await store.get('t')).toEqual({ through: null, beyond: [], version: 2 });
    expect(dynamo).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'cp',
      Key: { shardId: { S: 'shardId-000000000001' } },
      ConsistentRead: true,
    });
    dynamo.on(GetItemCommand).resolves({
      Item: {
        shardId: { S: 's' },
        through: { S: '49590338271490256608559692538361571095921575989136588898' },
        beyond: { S: '[{"seq":"49590338271490256608559692538361571095921575989136588899","keys":["k"]}]' },
        version: { N: '7' },
      },
    });
    expect(await store.get('s')).toEqual({
      through: '49590338271490256608559692538361571095921575989136588898',
      beyond: [{ seq: '49590338271490256608559692538361571095921575989136588899', keys: ['k'] }],
      version: 7,
    });
  });

  it('writes only over the version it read (the first write only where there is none), with a renewed TTL', async () => {
    dynamo.on(PutItemCommand).resolves({});
    const store = new DynamoCheckpointStore({
      tableName: 'cp',
      client: new DynamoDBClient({}),
      now: () => 1_000_000,
      ttlSeconds: 60,
    });
    expect(await store.put('s', { through: '5', beyond: [] }, 0)).toBe(true);
    expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
      Item: {
        shardId: { S: 's' },
        through: { S: '5' },
        beyond: { S: '[]' },
        version: { N: '1' },
        expiresAt: { N: '1060' },
      },
      ConditionExpression: 'attribute_not_exists(shardId)',
    });
    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input.ExpressionAttributeValues).toBeUndefined();
    // Only keys after a failure, nothing through yet: no `through` attribute at all.
    await store.put('t', { through: null, beyond: [{ seq: '3', keys: ['k'] }] }, 0);
    expect(dynamo.commandCalls(PutItemCommand)[1]?.args[0].input.Item).toEqual({
      shardId: { S: 't' },
      beyond: { S: '[{"seq":"3","keys":["k"]}]' },
      version: { N: '1' },
      expiresAt: { N: '1060' },
    });
    expect(await store.put('s', { through: '9', beyond: [] }, 3)).toBe(true);
    expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ version: { N: '4' } }),
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': { N: '3' } },
    });
    dynamo.on(PutItemCommand).rejects(refused());
    expect(await store.put('s', { through: '9', beyond: [] }, 3)).toBe(false);
    dynamo.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceeded'));
    await expect(store.put('s', { through: '9', beyond: [] }, 3)).rejects.toThrow(
      'ProvisionedThroughputExceeded',
    );
  });
});
