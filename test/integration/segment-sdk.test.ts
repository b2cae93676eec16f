import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { startServe } from '../../src/cli/commands/serve';
import type { RawEnvelope } from '../../src/domain/event';

/** The official Segment Node SDK, unchanged, posting to `c360 serve`. */
describe('c360 serve with the real @segment/analytics-node SDK', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-sdk-'));
    server = await startServe({ port: 0, dataDir: dir, writeKeys: { 'sdk-key': 'web' } });
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
});
