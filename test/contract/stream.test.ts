import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { KinesisEventStream } from '../../src/adapters/aws/kinesis-stream';
import { FileEventStream, MemoryEventStream } from '../../src/adapters/local/file-stream';
import { DownstreamUnavailableError } from '../../src/domain/errors';
import type { EventStream, StreamRecord } from '../../src/ports/stream';

/** One contract, every adapter of the EventStream port. */
const kinesisMock = mockClient(KinesisClient);
const dirs: string[] = [];

const adapters: [string, () => Promise<EventStream>][] = [
  ['MemoryEventStream', async () => new MemoryEventStream()],
  [
    'FileEventStream',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'c360-contract-'));
      dirs.push(dir);
      return new FileEventStream(dir);
    },
  ],
  [
    'KinesisEventStream',
    async () => {
      kinesisMock.reset();
      kinesisMock.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
        FailedRecordCount: 0,
        Records: input.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-0' })),
      }));
      return new KinesisEventStream({
        streamName: 's',
        client: new KinesisClient({}),
        sleep: async () => {},
      });
    },
  ],
];

const records = (n: number): StreamRecord[] =>
  Array.from({ length: n }, (_, i) => ({ partitionKey: `k${i % 7}`, data: Buffer.from(`{"i":${i}}`) }));

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe.each(adapters)('EventStream contract: %s', (_name, make) => {
  it('writes every record and reports the count', async () => {
    const stream = await make();
    const result = await stream.put(records(1234));
    expect(result.written).toBe(1234);
  });

  it('accepts an empty put as a no-op', async () => {
    const stream = await make();
    expect((await stream.put([])).written).toBe(0);
  });
});

describe('KinesisEventStream', () => {
  beforeEach(() => kinesisMock.reset());
  const noSleep = async () => {};

  it('splits into PutRecords calls of at most 500 records', async () => {
    kinesisMock.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
    }));
    const stream = new KinesisEventStream({
      streamName: 'events',
      client: new KinesisClient({}),
      sleep: noSleep,
    });
    const result = await stream.put(records(1201));
    const sizes = kinesisMock.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length);
    expect(sizes).toEqual([500, 500, 201]);
    expect(result).toEqual({ written: 1201, calls: 3, retried: 0 });
    expect(kinesisMock).toHaveReceivedNthCommandWith(1, PutRecordsCommand, { StreamName: 'events' });
  });

  it('splits by the 5 MiB request limit', async () => {
    kinesisMock.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
    }));
    const stream = new KinesisEventStream({
      streamName: 'events',
      client: new KinesisClient({}),
      sleep: noSleep,
    });
    const big = Array.from({ length: 12 }, (_, i) => ({
      partitionKey: `k${i}`,
      data: Buffer.alloc(1024 * 1024),
    }));
    await stream.put(big);
    const sizes = kinesisMock.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length);
    expect(sizes).toEqual([4, 4, 4]);
  });

  it('retries only the records that failed (partial FailedRecordCount)', async () => {
    kinesisMock
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 2,
        Records: [
          { SequenceNumber: '1', ShardId: 's' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
          { SequenceNumber: '3', ShardId: 's' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '5' }, { SequenceNumber: '6' }] });
    const delays: number[] = [];
    const stream = new KinesisEventStream({
      streamName: 'events',
      client: new KinesisClient({}),
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
    });

    const result = await stream.put(records(4));

    const calls = kinesisMock.commandCalls(PutRecordsCommand);
    expect(calls).toHaveLength(2);
    const resent = calls[1]?.args[0].input.Records?.map((r) => Buffer.from(r.Data as Uint8Array).toString());
    expect(resent).toEqual(['{"i":1}', '{"i":3}']);
    expect(result).toEqual({ written: 4, calls: 2, retried: 2 });
    expect(delays).toEqual([50]);
  });

  it('throws DownstreamUnavailableError when records keep failing', async () => {
    kinesisMock.on(PutRecordsCommand).resolves({
      FailedRecordCount: 1,
      Records: [{ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }],
    });
    const stream = new KinesisEventStream({
      streamName: 'events',
      client: new KinesisClient({}),
      sleep: noSleep,
      maxAttempts: 3,
    });
    await expect(stream.put(records(1))).rejects.toThrow(DownstreamUnavailableError);
    await expect(stream.put(records(1))).rejects.toThrow(
      /after 3 attempts \(ProvisionedThroughputExceededException/,
    );
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(6);
  });

  it('retries a call that throws, then gives up with 503-mapped error', async () => {
    const err = Object.assign(new Error('Rate exceeded for stream'), {
      name: 'ProvisionedThroughputExceededException',
    });
    kinesisMock
      .on(PutRecordsCommand)
      .rejectsOnce(err)
      .resolves({ FailedRecordCount: 0, Records: [{}] });
    const stream = new KinesisEventStream({
      streamName: 'events',
      client: new KinesisClient({}),
      sleep: noSleep,
    });
    expect(await stream.put(records(1))).toEqual({ written: 1, calls: 2, retried: 1 });

    kinesisMock.reset();
    kinesisMock.on(PutRecordsCommand).rejects(err);
    const failing = await stream.put(records(1)).catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(DownstreamUnavailableError);
    expect((failing as DownstreamUnavailableError).status).toBe(503);
  });
});
