import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { startServe } from '../../src/cli/commands/serve';
import type { RawEnvelope } from '../../src/domain/event';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { createLocalEnrichHandler, drainStream } from '../../src/runtime/local-enrich';

/** The official Segment Node SDK, unchanged, posting to `c360 serve`. */
describe('c360 serve with the real @segment/analytics-node SDK', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-sdk-'));
    server = await startServe({ port: 0, dataDir: dir, writeKeys: { 'sdk-key': 'web' }, enrich: false });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers track, identify and page events into the local stream with every field intact', async () => {
    const analytics = new Analytics({ writeKey: 'sdk-key', host: server.url, flushAt: 10, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));

    analytics.identify({ userId: 'user-42', traits: { plan: 'pro', email: 'ada@example.com' } });
    analytics.track({
      userId: 'user-42',
      event: 'Order Completed',
      properties: { orderId: 'o-1', revenue: 19.99, products: [{ sku: 'A', quantity: 2 }] },
      context: { campaign: { source: 'newsletter', medium: 'email', name: 'spring' } },
      timestamp: new Date('2026-01-01T10:00:00Z'),
    });
    analytics.page({ anonymousId: 'anon-7', name: 'Home', properties: { url: 'https://shop.example/' } });
    await analytics.closeAndFlush({ timeout: 10_000 });

    expect(errors).toEqual([]);
    const stored = await new FileEventStream(join(dir, 'stream', 'events')).read(null, 100);
    const envs = stored.map((r) => JSON.parse(Buffer.from(r.data, 'base64').toString()) as RawEnvelope);
    expect(envs).toHaveLength(3);
    const byType = Object.fromEntries(envs.map((e) => [(e.payload as { type: string }).type, e]));

    expect(byType.identify?.payload).toMatchObject({
      userId: 'user-42',
      traits: { plan: 'pro', email: 'ada@example.com' },
      context: { library: { name: '@segment/analytics-node' } },
    });
    expect(byType.track?.payload).toMatchObject({
      event: 'Order Completed',
      properties: { orderId: 'o-1', revenue: 19.99, products: [{ sku: 'A', quantity: 2 }] },
      context: { campaign: { source: 'newsletter', medium: 'email', name: 'spring' } },
      timestamp: '2026-01-01T10:00:00.000Z',
    });
    expect(byType.page?.payload).toMatchObject({ anonymousId: 'anon-7', name: 'Home' });
    for (const e of envs) {
      expect(e).toMatchObject({ v: 1, kind: 'segment', source: 'web', ip: '127.0.0.1' });
      expect(e.eventId).toBe((e.payload as { messageId: string }).messageId);
      expect((e.payload as { messageId: string }).messageId).toMatch(/\S+/);
    }
    expect(stored.find((r) => r.partitionKey === 'anon-7')).toBeDefined();
  });

  it('turns the e-commerce spec v2 events sent by the SDK into orders, a refund and a cancellation in gold', async () => {
    const spec = JSON.parse(
      readFileSync(join(__dirname, '../fixtures/real/segment/ecommerce-v2-spec.json'), 'utf8'),
    ) as Record<string, Record<string, unknown>>;
    const shop = await mkdtemp(join(tmpdir(), 'c360-sdk-shop-'));
    // The Node SDK runs in the shop's backend: its key is server-side, so its orders are revenue.
    const shopServer = await startServe({
      port: 0,
      dataDir: shop,
      writeKeys: { 'sdk-key': { source: 'backend', trust: 'server' } },
      enrich: false,
    });
    try {
      const analytics = new Analytics({
        writeKey: 'sdk-key',
        host: shopServer.url,
        flushAt: 10,
        maxRetries: 0,
      });
      const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 10, m));
      analytics.track({
        userId: 'user-42',
        event: 'Checkout Started',
        properties: spec['Checkout Started'],
        timestamp: at(0),
      });
      analytics.track({
        userId: 'user-42',
        event: 'Order Completed',
        properties: spec['Order Completed'],
        timestamp: at(1),
      });
      analytics.track({
        userId: 'user-42',
        event: 'Order Refunded',
        properties: spec['Order Refunded'],
        timestamp: at(2),
      });
      analytics.track({
        userId: 'user-43',
        event: 'Order Cancelled',
        properties: spec['Order Cancelled'],
        timestamp: at(3),
      });
      await analytics.closeAndFlush({ timeout: 10_000 });
      await drainStream({
        stream: new FileEventStream(join(shop, 'stream', 'events')),
        handler: createLocalEnrichHandler(shop, { geo: false }),
        checkpointFile: join(shop, 'cp'),
      });
      // The run covers what arrived today (bronze is partitioned by arrival).
      const today = new Date().toISOString().slice(0, 10);
      await runEtl({ lakeDir: join(shop, 'lake'), from: today, to: today });
      const engine = await openDuckDb();
      try {
        await registerLakeViews(engine, join(shop, 'lake'));
        const orders = await engine.rows(
          'SELECT order_id, provider, status, amount_minor, gross_usd, refunded_usd, net_usd, item_count FROM gold.fact_orders ORDER BY order_id',
        );
        const completed = spec['Order Completed'] as {
          order_id: string;
          total: number;
          products: { quantity: number }[];
        };
        const refunded = (spec['Order Refunded'] as { products: { price: number; quantity: number }[] })
          .products;
        const refundUsd = refunded.reduce((s, p) => s + p.price * p.quantity, 0);
        expect(orders).toEqual([
          {
            order_id: completed.order_id,
            provider: 'segment',
            status: 'paid',
            amount_minor: String(Math.round(completed.total * 100)),
            gross_usd: completed.total.toFixed(2),
            refunded_usd: refundUsd.toFixed(2),
            net_usd: (completed.total - refundUsd).toFixed(2),
            item_count: completed.products.reduce((s, p) => s + p.quantity, 0),
          },
          {
            order_id: (spec['Order Cancelled'] as { order_id: string }).order_id,
            provider: 'segment',
            status: 'cancelled',
            amount_minor: '3000',
            gross_usd: '0.00',
            refunded_usd: '0.00',
            net_usd: '0.00',
            item_count: 0,
          },
        ]);
        // Checkout Started is a cart event, not an order.
        expect(
          await engine.rows("SELECT event_type FROM silver.events WHERE event_name = 'Checkout Started'"),
        ).toEqual([{ event_type: 'track' }]);
      } finally {
        engine.close();
      }
    } finally {
      await shopServer.close();
      await rm(shop, { recursive: true, force: true });
    }
  });
});
