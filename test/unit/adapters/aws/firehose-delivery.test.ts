import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDedupeStore } from '../../../../src/adapters/aws/dynamodb-dedupe';
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

describe('DynamoDedupeStore', () => {
  beforeEach(() => dynamo.reset());

  it('claims with a conditional put and sorts conflicts into duplicates and in-flight', async () => {
    dynamo.on(PutItemCommand).callsFake((input: { Item: { eventId: { S: string } } }) => {
      const id = input.Item.eventId.S;
      if (id === 'dup' || id === 'busy') {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: { state: { S: id === 'dup' ? 'done' : 'pending' } },
        });
      }
      return {};
    });
    const store = new DynamoDedupeStore({
      tableName: 'dedupe',
      client: new DynamoDBClient({}),
      now: () => 1_000_000,
    });
    const res = await store.claim(['new', 'dup', 'busy'], 'inv-1');
    expect(res).toEqual({ claimed: ['new'], duplicates: ['dup'], inFlight: ['busy'] });
    expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'dedupe',
      ConditionExpression: 'attribute_not_exists(eventId) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': { N: '1000' } },
    });
  });

  it('commits and releases only as the lease owner; a stale release or commit is ignored, other errors propagate', async () => {
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    const store = new DynamoDedupeStore({
      tableName: 'dedupe',
      client: new DynamoDBClient({}),
      now: () => 0,
      ttlSeconds: 60,
    });
    await store.commit(['a'], 'inv-1');
    await store.release(['b'], 'inv-1');
    expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
      Item: { eventId: { S: 'a' }, state: { S: 'done' }, owner: { S: 'inv-1' }, expiresAt: { N: '60' } },
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeValues: { ':owner': { S: 'inv-1' } },
    });
    expect(dynamo).toHaveReceivedCommandWith(DeleteItemCommand, {
      Key: { eventId: { S: 'b' } },
      ConditionExpression: '#owner = :owner AND #state = :pending',
      ExpressionAttributeValues: { ':owner': { S: 'inv-1' }, ':pending': { S: 'pending' } },
    });
    // The lease passed to another invocation: DynamoDB refuses the condition, and that is fine.
    const refused = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
    });
    dynamo.on(DeleteItemCommand).rejects(refused);
    dynamo.on(PutItemCommand).rejects(refused);
    await expect(store.release(['b'], 'stale-inv')).resolves.toBeUndefined();
    await expect(store.commit(['b'], 'stale-inv')).resolves.toBeUndefined();
    dynamo.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceeded'));
    await expect(store.claim(['x'], 'inv-2')).rejects.toThrow('ProvisionedThroughputExceeded');
  });

  it('a claim throttled midway gives back every lease it took before failing (all or nothing)', async () => {
    dynamo.on(DeleteItemCommand).resolves({});
    let calls = 0;
    dynamo.on(PutItemCommand).callsFake(async () => {
      calls++;
      if (calls === 6) {
        const { ProvisionedThroughputExceededException } = await import('@aws-sdk/client-dynamodb');
        throw new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} });
      }
      return {};
    });
    const store = new DynamoDedupeStore({
      tableName: 'dedupe',
      client: new DynamoDBClient({}),
      now: () => 0,
      concurrency: 1,
    });
    const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
    await expect(store.claim(ids, 'inv-3')).rejects.toThrow('throttled');
    // Five leases were taken before the throttle; all five are released, as their owner.
    const released = dynamo.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.Key?.eventId?.S);
    expect(released.sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    for (const c of dynamo.commandCalls(DeleteItemCommand)) {
      expect(c.args[0].input.ExpressionAttributeValues?.[':owner']).toEqual({ S: 'inv-3' });
    }
    // No new claim started after the failure.
    expect(calls).toBe(6);
  });
});
