import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../../../src/adapters/local/telemetry';
import { latestRates } from '../../../src/domain/rates';
import { MAX_CUSTOMERS, type RealtimeRow, type WindowState } from '../../../src/domain/realtime';
import { WAREHOUSE_TABLES, type WarehouseTable } from '../../../src/domain/warehouse/model';
import { REPORTING_VIEWS } from '../../../src/domain/warehouse/reporting';
import {
  createRealtimeHandler,
  objectStoreRealtimeSink,
  realtimeLoadDue,
  realtimeLoader,
} from '../../../src/handlers/realtime';
import type { StoredStreamRecord } from '../../../src/ports/stream';
import { FileRealtimeSink, TumblingWindows } from '../../../src/runtime/local-realtime';
import { providerEnvelope } from '../../helpers/envelopes';
import { kinesisEvent, segmentEnvelope } from '../../helpers/kinesis';
import { testRedshift } from '../../helpers/redshift';

/**
 * The real-time tier: the Lambda's tumbling-window contract (state in, state out, a final invoke
 * that writes the row), fed with the real Segment e-commerce spec's Order Completed and Shopify's
 * own order notification; the embedded window driver; the Redshift write through the Data API.
 */
const REAL = join(__dirname, '../../fixtures/real');
const spec = JSON.parse(readFileSync(join(REAL, 'segment/ecommerce-v2-spec.json'), 'utf8')) as Record<
  string,
  Record<string, unknown>
>;
const shopifyText = readFileSync(join(REAL, 'shopify/orders-test-notification.json'), 'utf8').trim();
const rates = latestRates(readFileSync(join(__dirname, '../../../sql/reference/currency_rates.csv'), 'utf8'));
const WINDOW = { start: '2026-01-01T10:00:00.000Z', end: '2026-01-01T10:01:00.000Z' };

function handlerUnderTest() {
  const rows: RealtimeRow[] = [];
  const handler = createRealtimeHandler({
    sink: { write: async (r) => void rows.push(...r) },
    usdPerUnit: async () => rates,
    logger: new LocalLogger('test', 'error'),
    metrics: new EmfMetrics('c360', 'c360-realtime'),
  });
  return { rows, handler };
}

const windowEvent = (
  records: ReturnType<typeof kinesisEvent>['Records'],
  state: unknown,
  final: boolean,
): KinesisStreamTumblingWindowEvent & { shardId: string } => ({
  Records: records,
  window: WINDOW,
  state: state as Record<string, unknown>,
  shardId: 'shardId-000000000001',
  isFinalInvokeForWindow: final,
  isWindowTerminatedEarly: false,
});

describe('real-time tier (tumbling windows of 60 s)', () => {
  it('carries the window state between invokes and writes one row on the final invoke', async () => {
    const order = spec['Order Completed'] as Record<string, unknown>;
    const orderAt = '2026-01-01T10:00:01.000Z';
    const first = kinesisEvent([
      segmentEnvelope(
        {
          type: 'track',
          event: 'Order Completed',
          properties: order,
          userId: 'u1',
          messageId: 'o1',
          timestamp: orderAt,
        },
        { trust: 'server', source: 'backend' },
      ),
      segmentEnvelope({ type: 'page', name: 'Home', userId: 'u2', messageId: 'p1', timestamp: orderAt }),
      // An event from yesterday, arriving now: counted here, flagged late.
      segmentEnvelope({
        type: 'page',
        name: 'Home',
        userId: 'u1',
        messageId: 'p2',
        timestamp: '2025-12-31T09:00:00.000Z',
      }),
      'not an envelope',
    ]);
    const second = kinesisEvent(
      [
        segmentEnvelope(
          {
            type: 'track',
            event: 'Order Completed',
            properties: order,
            userId: 'u3',
            messageId: 'o2',
            timestamp: orderAt,
          },
          { trust: 'server', source: 'backend' },
        ),
        providerEnvelope('shopify', undefined, {
          body: shopifyText
            .replace('"financial_status":"voided"', '"financial_status":"paid"')
            .replace('"cancelled_at":"2022-04-05T16:54:56+02:00"', '"cancelled_at":null'),
          headers: { 'x-shopify-topic': 'orders/paid', 'x-shopify-event-id': 'shop-1' },
          receivedAt: '2026-01-01T10:00:30.000Z',
        }),
      ],
      10,
    );
    const { rows, handler } = handlerUnderTest();
    const s1 = await handler(windowEvent(first.Records, undefined, false));
    expect(rows).toEqual([]);
    const s2 = await handler(windowEvent(second.Records, s1.state, false));
    const end = await handler(windowEvent([], s2.state, true));
    expect(end.state).toEqual({});

    // Expected values off the payloads: Segment total 27.50 USD twice, Shopify 254.98 EUR.
    const usdCents = 2 * Math.round(Number(order.total) * 100);
    const eurCents = Math.round(254.98 * 100);
    expect(rows).toEqual([
      {
        window_start: WINDOW.start,
        shard_id: 'shardId-000000000001',
        events: 6,
        late_events: 2, // yesterday's page, and the 2022 Shopify order
        orders: 3,
        repeated_orders: 0,
        // u1, u2, u3 and the Shopify customer
        active_customers: 4,
        customers_capped: false,
        revenue_minor: JSON.stringify({ EUR: eurCents, USD: usdCents }),
        revenue_usd: ((usdCents + Math.round(eurCents * (rates.get('EUR') as number))) / 100).toFixed(2),
      },
    ]);
  });

  it('counts an order once in its window when the sender retries it or Lambda delivers its record again', async () => {
    const order = spec['Order Completed'] as Record<string, unknown>;
    const envelopeOf = (messageId: string) =>
      segmentEnvelope(
        { type: 'track', event: 'Order Completed', properties: order, userId: 'u1', messageId },
        { trust: 'server', source: 'backend' },
      );
    const first = kinesisEvent([envelopeOf('o1'), envelopeOf('o2')]);
    // The sender's retry of o1 (a new record), and o2's record delivered again.
    const second = kinesisEvent([envelopeOf('o1'), envelopeOf('o3')], 10);
    const { rows, handler } = handlerUnderTest();
    const s1 = await handler(windowEvent(first.Records, undefined, false));
    const s2 = await handler(windowEvent([...second.Records, first.Records[1] as never], s1.state, false));
    await handler(windowEvent([], s2.state, true));
    const cents = Math.round(Number(order.total) * 100);
    expect(rows[0]).toMatchObject({
      events: 5,
      orders: 3,
      repeated_orders: 2,
      revenue_minor: JSON.stringify({ USD: 3 * cents }),
    });
  });

  it('in AWS writes each window to the lake and loads the recent rows into the warehouse once per block of minutes', async () => {
    expect(realtimeLoadDue('2026-01-01T10:14:00.000Z', 15)).toBe(true);
    expect(realtimeLoadDue('2026-01-01T10:15:00.000Z', 15)).toBe(false);
    expect(realtimeLoadDue('2026-01-01T10:29:00.000Z', 15)).toBe(true);
    expect(realtimeLoadDue('2026-01-01T10:29:00.000Z', 1)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'c360-rt-'));
    try {
      const lake = new FolderObjectStore(dir);
      const loaded: RealtimeRow[][] = [];
      const handler = createRealtimeHandler({
        sink: objectStoreRealtimeSink(lake),
        load: { everyMinutes: 15, run: realtimeLoader(lake, async (rows) => void loaded.push(rows), 15) },
        usdPerUnit: async () => rates,
        logger: new LocalLogger('test', 'error'),
        metrics: new EmfMetrics('c360', 'c360-realtime'),
      });
      const close = (start: string, shardId: string, messageId: string) =>
        handler({
          ...windowEvent(
            kinesisEvent([segmentEnvelope({ type: 'page', name: 'Home', userId: 'u', messageId })]).Records,
            undefined,
            true,
          ),
          window: { start, end: new Date(Date.parse(start) + 60_000).toISOString() },
          shardId,
        });
      await close('2026-01-01T09:40:00.000Z', 'shardId-000000000000', 'a'); // over two blocks before: not reloaded
      await close('2026-01-01T09:50:00.000Z', 'shardId-000000000000', 'b');
      await close('2026-01-01T10:13:00.000Z', 'shardId-000000000001', 'c');
      expect(loaded).toEqual([]);
      expect(await lake.list('realtime/dt=2026-01-01/')).toHaveLength(3);
      await close('2026-01-01T10:14:00.000Z', 'shardId-000000000000', 'd');
      expect(loaded.map((rows) => rows.map((r) => `${r.window_start} ${r.shard_id}`).sort())).toEqual([
        [
          '2026-01-01T09:50:00.000Z shardId-000000000000',
          '2026-01-01T10:13:00.000Z shardId-000000000001',
          '2026-01-01T10:14:00.000Z shardId-000000000000',
        ],
      ]);
      // Just after midnight the load reads yesterday's last windows too; a load with nothing
      // recent writes nothing.
      loaded.length = 0;
      await close('2026-01-01T23:50:00.000Z', 'shardId-000000000001', 'e');
      await close('2026-01-02T00:14:00.000Z', 'shardId-000000000001', 'f');
      expect(loaded.map((rows) => rows.map((r) => r.window_start).sort())).toEqual([
        ['2026-01-01T23:50:00.000Z', '2026-01-02T00:14:00.000Z'],
      ]);
      loaded.length = 0;
      const empty = await realtimeLoader(
        lake,
        async (rows) => void loaded.push(rows),
        15,
      )('2026-01-05T10:14:00.000Z');
      expect([empty, loaded]).toEqual([0, []]);
      // A window exactly two blocks back was loaded by the load before: not read again.
      expect(
        await realtimeLoader(lake, async (rows) => void loaded.push(rows), 15)('2026-01-01T10:20:00.000Z'),
      ).toBe(2); // 10:13 and 10:14; 09:50 is exactly 30 minutes before: excluded
      // A retried final invoke writes the same object again, not a second row.
      await close('2026-01-01T10:13:00.000Z', 'shardId-000000000001', 'c');
      expect(await lake.list('realtime/dt=2026-01-01/')).toHaveLength(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('measures how long after its window closed a minute was written (the real-time SLI)', async () => {
    const seen: { name: string; value: number }[] = [];
    const written = Date.parse(WINDOW.end) + 4_250;
    const handler = createRealtimeHandler({
      sink: { write: async () => {} },
      usdPerUnit: async () => new Map(),
      logger: new LocalLogger('test', 'error'),
      metrics: {
        addMetric: (name, _u, value) => seen.push({ name, value }),
        addDimension: () => {},
        addDimensions: () => {},
        publishStoredMetrics: () => {},
      },
      now: () => written,
    });
    await handler(windowEvent([], undefined, false));
    expect(seen.filter((m) => m.name === 'RealtimeLagMs')).toEqual([]);
    await handler(windowEvent([], undefined, true));
    expect(seen.filter((m) => m.name === 'RealtimeLagMs')).toEqual([{ name: 'RealtimeLagMs', value: 4_250 }]);
  });

  it('keeps the state under Lambda’s 1 MB limit: customers as short hashes, capped and flagged', async () => {
    const { handler } = handlerUnderTest();
    const many = Array.from({ length: MAX_CUSTOMERS + 5 }, (_, i) =>
      segmentEnvelope({
        type: 'page',
        name: 'Home',
        userId: `user-${i}@example.com`,
        messageId: `m${i}`,
        timestamp: WINDOW.start,
      }),
    );
    const { state } = await handler(windowEvent(kinesisEvent(many).Records, undefined, false));
    const s = state as WindowState;
    expect(s.customers).toHaveLength(MAX_CUSTOMERS);
    expect(s.customersCapped).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(1024 * 1024);
    // Hashes only: no identity in the state Lambda stores.
    expect(JSON.stringify(state)).not.toContain('example.com');
  });
});

describe('embedded tumbling windows (the event-source loop)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-rt-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('splits records by arrival minute, closes a window when a later one starts or its time is up', async () => {
    const minute = Date.parse('2026-01-01T10:00:00.000Z');
    const rec = (i: number, at: number): StoredStreamRecord => ({
      sequenceNumber: String(i).padStart(20, '0'),
      partitionKey: 'pk',
      shardId: 'shardId-000000000000',
      approximateArrivalTimestamp: at,
      data: Buffer.from(
        JSON.stringify(segmentEnvelope({ type: 'page', name: 'Home', userId: `u${i}`, messageId: `m${i}` })),
      ).toString('base64'),
    });
    let now = minute;
    const windows = new TumblingWindows(
      createRealtimeHandler({
        sink: new FileRealtimeSink(dir),
        usdPerUnit: async () => rates,
        logger: new LocalLogger('test', 'error'),
        metrics: new EmfMetrics('c360', 'c360-realtime'),
      }) as never,
      { now: () => now },
    );
    // 3 records in 10:00, 2 in 10:01 (one batch spanning both), then 1 more in 10:01.
    await windows.feed([
      rec(1, minute + 1_000),
      rec(2, minute + 30_000),
      rec(3, minute + 59_999),
      rec(4, minute + 60_000),
    ]);
    expect(windows.closed).toEqual(['2026-01-01T10:00:00.000Z']);
    await windows.feed([rec(5, minute + 61_000), rec(6, minute + 90_000)]);
    now = minute + 119_999;
    await windows.tick();
    expect(windows.closed).toHaveLength(1);
    now = minute + 120_000;
    await windows.tick();
    expect(windows.closed).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T10:01:00.000Z']);
    const rows = (await readFile(join(dir, 'realtime', 'dt=2026-01-01', 'windows.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RealtimeRow);
    expect(rows.map((r) => [r.window_start, r.events, r.active_customers])).toEqual([
      ['2026-01-01T10:00:00.000Z', 3, 3],
      ['2026-01-01T10:01:00.000Z', 3, 3],
    ]);
  });
});

describe('the real-time rows in Redshift (Data API)', () => {
  const rs = mockClient(RedshiftDataClient);
  beforeEach(() => rs.reset());

  it('replaces the window’s row in one transaction, values typed by the table model', async () => {
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 's1' });
    rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED' });
    const wh = testRedshift();
    const table = WAREHOUSE_TABLES.find((t) => t.name === 'realtime_minute') as WarehouseTable;
    await wh.upsertRows(table, [
      {
        window_start: '2026-01-01T10:00:00.000Z',
        shard_id: "shard-'1",
        events: 6,
        late_events: 2,
        orders: 3,
        active_customers: 4,
        customers_capped: false,
        revenue_minor: '{"EUR":25498,"USD":5500}',
        revenue_usd: '330.38',
        repeated_orders: 1,
      },
    ]);
    const sqls = rs.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input.Sqls ?? [];
    expect(rs.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
    expect(sqls.slice(0, 2)).toEqual([
      "DELETE FROM gold.realtime_minute WHERE (window_start = CAST('2026-01-01 10:00:00.000' AS TIMESTAMP) AND shard_id = 'shard-''1')",
      "INSERT INTO gold.realtime_minute (window_start, shard_id, events, late_events, orders, active_customers, customers_capped, revenue_minor, revenue_usd, repeated_orders) VALUES (CAST('2026-01-01 10:00:00.000' AS TIMESTAMP), 'shard-''1', 6, 2, 3, 4, FALSE, JSON_PARSE('{\"EUR\":25498,\"USD\":5500}'), 330.38, 1)",
    ]);
    // Same transaction: the real-time trends table is refilled from its SELECT, nothing else is.
    const trends = REPORTING_VIEWS.find((v) => v.name === 'realtime_trends');
    expect(sqls.slice(2)).toEqual([
      'DELETE FROM reporting.realtime_trends',
      `INSERT INTO reporting.realtime_trends ${trends?.sql}`,
    ]);
    await expect(
      wh.upsertRows(table, [{ window_start: 'x', shard_id: 's', revenue_usd: '1; DROP TABLE x' }]),
    ).rejects.toThrow(/is not an amount/);
  });
});
