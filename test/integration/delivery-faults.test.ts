import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { MemoryCheckpointStore } from '../../src/adapters/local/checkpoint';
import { FileEventStream, MemoryEventStream } from '../../src/adapters/local/file-stream';
import { LakeDelivery } from '../../src/adapters/local/lake-delivery';
import { FileFailureSource, LocalRangeReader } from '../../src/adapters/local/redrive';
import { EmfMetrics } from '../../src/adapters/local/telemetry';
import { DownstreamUnavailableError } from '../../src/domain/errors';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { createEnrichHandler } from '../../src/handlers/enrich';
import { EventSourceMapping, FileFailureDestination } from '../../src/runtime/event-source';
import { createLocalEnrichHandler, toKinesisRecord } from '../../src/runtime/local-enrich';
import { redrive } from '../../src/runtime/redrive';
import { enrichUnderTest } from '../helpers/enrich';
import { apiEvent, basic } from '../helpers/http';
import { ingestUnderTest, WRITE_KEY } from '../helpers/ingest';
import { kinesisEvent, segmentEnvelope } from '../helpers/kinesis';

/**
 * Faults between the stream and the lake, with the local adapters: whatever fails, every accepted
 * event ends up in gold exactly once.
 */
const TS = '2026-03-01T10:00:00.000Z';
const events = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    segmentEnvelope({ messageId: `m${i}`, userId: `u${i}`, timestamp: TS, originalTimestamp: TS }),
  ).map((e) => ({ ...e, receivedAt: TS }));

async function silverCount(lake: string): Promise<number> {
  const engine = await openDuckDb();
  try {
    await registerLakeViews(engine, lake);
    const [r] = await engine.rows<{ n: string }>('SELECT count(*) AS n FROM silver.events');
    return Number(r?.n);
  } finally {
    engine.close();
  }
}

describe('no accepted event lost, none twice', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-faults-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('retries exhausted → on-failure destination → c360 redrive → every event in silver once', async () => {
    const stream = new FileEventStream(join(dir, 'stream', 'events'));
    await stream.put(
      events(6).map((e) => ({ partitionKey: String(e.eventId), data: Buffer.from(JSON.stringify(e)) })),
    );
    const enrich = createLocalEnrichHandler(dir, { geo: false });
    let broken = true;
    // The lake is unreachable for anything carrying m3 while `broken`: the invocation throws.
    const handler = async (e: KinesisStreamEvent) => {
      if (
        broken &&
        e.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString().includes('"m3"'))
      ) {
        throw new Error('lake unavailable');
      }
      return enrich(e);
    };
    const failuresFile = join(dir, 'state', 'enrich-on-failure.ndjson');
    const mapping = () =>
      new EventSourceMapping({
        stream,
        handler,
        checkpointFile: join(dir, 'state', 'enrich.checkpoint'),
        onFailure: new FileFailureDestination(failuresFile),
        maximumRetryAttempts: 1,
      });
    const first = await mapping().drain();
    expect(first.sentToOnFailure).toBe(1);
    await runEtl({ lakeDir: join(dir, 'lake'), from: '2026-03-01', to: '2026-03-01' });
    expect(await silverCount(join(dir, 'lake'))).toBe(5);

    broken = false;
    const report = await redrive({
      failures: new FileFailureSource(failuresFile),
      reader: new LocalRangeReader(new FileEventStream(join(dir, 'stream', 'events'))),
      stream,
    });
    expect(report).toMatchObject({ batches: 1, records: 1, expired: [] });
    expect(await readFile(failuresFile, 'utf8')).toBe('');
    await mapping().drain();
    await runEtl({ lakeDir: join(dir, 'lake'), from: '2026-03-01', to: '2026-03-01' });
    expect(await silverCount(join(dir, 'lake'))).toBe(6);
  });

  it('a checkpoint that could not be written: the batch is stored, a redelivery stores it again, silver keeps one', async () => {
    const checkpoints = new MemoryCheckpointStore();
    const failing = Object.assign(Object.create(checkpoints) as MemoryCheckpointStore, {
      put: async () => {
        throw new Error('DynamoDB throttled');
      },
    });
    const base = enrichUnderTest().deps;
    const lake = join(dir, 'lake');
    const metrics = new EmfMetrics('c360', 'enrich-test');
    const handler = createEnrichHandler({
      ...base,
      metrics,
      checkpoints: failing,
      delivery: new LakeDelivery(lake),
      quarantine: new LakeDelivery(lake),
    });
    const batch = kinesisEvent(events(4));
    // Not failed: its events are stored; failing it would only store them again.
    expect((await handler(batch)).batchItemFailures).toEqual([]);
    expect(metrics.published.filter((m) => m.CheckpointWriteFailures === 1)).toHaveLength(1);
    // Kinesis delivers the batch again (say, the function timed out after returning): no checkpoint, stored again.
    expect((await handler(batch)).batchItemFailures).toEqual([]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    // 8 bronze rows (4 delivered twice), 4 events: the reconciliation check passed too.
    expect(await silverCount(lake)).toBe(4);
  });
});

describe('idempotent ingest retries', () => {
  it('a partial 503 (some events stored) and the client retry: every event once after enrich', async () => {
    const store = new MemoryEventStream();
    let calls = 0;
    // Kinesis took the first PutRecords chunk, then failed: the edge answers 503.
    const flaky = {
      put: async (records: Parameters<typeof store.put>[0]) => {
        calls++;
        if (calls === 1) {
          await store.put(records.slice(0, 2));
          throw new DownstreamUnavailableError('PutRecords failed');
        }
        return store.put(records);
      },
    };
    const { handler } = ingestUnderTest({ stream: flaky });
    // An SDK that sends no messageId (ids are derived from the content, the same on the retry).
    const batch = [1, 2, 3, 4].map((i) => ({
      type: 'track',
      event: 'Viewed',
      userId: `u${i}`,
      timestamp: '2026-03-01T10:00:00Z',
    }));
    const send = () =>
      handler(apiEvent({ path: '/v1/batch', body: JSON.stringify({ batch }), headers: basic(WRITE_KEY) }));
    expect((await send()).statusCode).toBe(503);
    expect((await send()).statusCode).toBe(200);
    expect(store.records).toHaveLength(6); // 2 from the failed attempt + 4 from the retry
    const { handler: enrich, delivery } = enrichUnderTest();
    const res = await enrich({ Records: store.records.map(toKinesisRecord) });
    expect(res.batchItemFailures).toEqual([]);
    expect(delivery.items).toHaveLength(4);
  });
});
