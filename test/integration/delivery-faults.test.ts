import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { MemoryCheckpointStore } from '../../src/adapters/local/checkpoint';
import { FileEventStream, MemoryEventStream } from '../../src/adapters/local/file-stream';
import { LakeDelivery } from '../../src/adapters/local/lake-delivery';
import { FileFailureSource, LocalRangeReader } from '../../src/adapters/local/redrive';
import { EmfMetrics, LocalLogger } from '../../src/adapters/local/telemetry';
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

describe('orders under redelivery, bisected batches and sender retries', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-orders-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gold and the real-time tier count every order once, bronze holds only the sender retry twice', async () => {
    const order = (i: number) => ({
      ...segmentEnvelope(
        {
          type: 'track',
          event: 'Order Completed',
          userId: `u${i % 3}`,
          messageId: `order-msg-${i}`,
          timestamp: TS,
          originalTimestamp: TS,
          properties: { order_id: `A-${i}`, total: 10 + i + 0.25, currency: 'USD' },
        },
        { trust: 'server', source: 'backend' },
      ),
      receivedAt: TS,
    });
    const lake = join(dir, 'lake');
    const stored = new LakeDelivery(lake);
    // Items carrying chosen orders fail on their first delivery; `down` fails a whole call.
    const failFirst = new Set(['A-2', 'A-9']);
    let down = false;
    const delivery = {
      deliver: async (items: Parameters<LakeDelivery['deliver']>[0]) => {
        if (down) throw new Error('Firehose unavailable');
        const failing = items
          .map((it, i) => [it, i] as const)
          .filter(([it]) => [...failFirst].some((id) => it.line.includes(`"${id}"`)));
        for (const [it] of failing)
          for (const id of failFirst) if (it.line.includes(`"${id}"`)) failFirst.delete(id);
        const ok = items.filter((_, i) => !failing.some(([, j]) => j === i));
        const result = await stored.deliver(ok);
        const okIndex = items.map((_, i) => i).filter((i) => !failing.some(([, j]) => j === i));
        return {
          ...result,
          failed: [...failing.map(([, i]) => i), ...result.failed.map((k) => okIndex[k] as number)],
        };
      },
    };
    const handler = createEnrichHandler({
      ...enrichUnderTest().deps,
      delivery,
      quarantine: new LakeDelivery(lake),
    });
    const all = kinesisEvent(Array.from({ length: 12 }, (_, i) => order(i)));
    const seen: KinesisStreamEvent['Records'] = [];
    // What Kinesis does with the function's answers: from the first failed record on, again.
    const invoke = async (records: KinesisStreamEvent['Records']) => {
      seen.push(...records);
      const res = await handler({ Records: records });
      const first = res.batchItemFailures[0]?.itemIdentifier;
      return first === undefined
        ? []
        : records.slice(records.findIndex((r) => r.kinesis.sequenceNumber === first));
    };
    // Batch 1 (orders 0-5): A-2 fails, A-3..A-5 are stored; Kinesis redelivers from A-2.
    let again = await invoke(all.Records.slice(0, 6));
    expect(again).toHaveLength(4);
    expect(await invoke(again)).toEqual([]);
    // Batch 2 (orders 6-11): the function fails outright; Lambda bisects it and retries each half
    // (A-9 fails once more inside the second half), then the batch again.
    down = true;
    await expect(handler({ Records: all.Records.slice(6) })).rejects.toThrow();
    down = false;
    seen.push(...all.Records.slice(6));
    expect(await invoke(all.Records.slice(6, 9))).toEqual([]);
    again = await invoke(all.Records.slice(9));
    expect(await invoke(again)).toEqual([]);
    expect(await invoke(all.Records.slice(6))).toEqual([]);
    // The sender retries order 4 later (its own retry: a new record, same message id).
    const retry = kinesisEvent([order(4)], 100).Records;
    expect(await invoke(retry)).toEqual([]);

    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    const cents = Array.from({ length: 12 }, (_, i) => (10 + i) * 100 + 25).reduce((a, b) => a + b, 0);
    const engine = await openDuckDb();
    try {
      await registerLakeViews(engine, lake);
      const [bronze] = await engine.rows<{ n: string; ids: string }>(
        'SELECT count(*) AS n, count(DISTINCT eventId) AS ids FROM bronze.events',
      );
      // Only the sender's retry is in bronze twice: every redelivery was skipped.
      expect([Number(bronze?.n), Number(bronze?.ids)]).toEqual([13, 12]);
      const [gold] = await engine.rows<{ n: string; gross: string }>(
        'SELECT count(*) AS n, CAST(sum(gross_usd) AS VARCHAR) AS gross FROM gold.fact_orders',
      );
      expect([Number(gold?.n), Number(gold?.gross)]).toEqual([12, cents / 100]);
    } finally {
      engine.close();
    }

    // The real-time tier saw every delivery of every record, the sender's retry too, in one window.
    const { createRealtimeHandler } = await import('../../src/handlers/realtime');
    const rows: { orders: number; revenue_minor: string }[] = [];
    const realtime = createRealtimeHandler({
      sink: { write: async (r) => void rows.push(...r) },
      usdPerUnit: async () => new Map([['USD', 1]]),
      logger: new LocalLogger('test', 'error'),
      metrics: new EmfMetrics('c360', 'rt'),
    });
    const window = { start: '2026-03-01T10:00:00.000Z', end: '2026-03-01T10:01:00.000Z' };
    const tumbling = (records: KinesisStreamEvent['Records'], state: unknown, final: boolean) =>
      realtime({
        Records: records,
        window,
        state: state as Record<string, unknown>,
        isFinalInvokeForWindow: final,
        isWindowTerminatedEarly: false,
        shardId: 's',
      } as never);
    const mid = await tumbling([...seen, ...retry], undefined, false);
    await tumbling([], mid.state, true);
    expect(rows.map((r) => [r.orders, r.revenue_minor])).toEqual([[12, JSON.stringify({ USD: cents })]]);
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
