import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Analytics from '@rudderstack/rudder-sdk-node';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { startServe } from '../../src/cli/commands/serve';
import type { RawEnvelope } from '../../src/domain/event';

/**
 * The official RudderStack Node SDK, unchanged (gzip on, its default), posting to `c360 serve`.
 * It sends gzip JSON declared as application/x-www-form-urlencoded (axios' default for a
 * Buffer), which RudderStack's and Segment's servers accept, and so must c360.
 */
describe('c360 serve with the real @rudderstack/rudder-sdk-node SDK', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-rudder-'));
    server = await startServe({ port: 0, dataDir: dir, writeKeys: { 'rudder-key': 'web' }, enrich: false });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers gzip batches into the stream with every field intact', async () => {
    const errors: unknown[] = [];
    const client = new Analytics('rudder-key', {
      dataPlaneUrl: server.url,
      flushAt: 3,
      flushInterval: 100_000,
      retryCount: 0,
      logLevel: 'error',
      errorHandler: (e) => errors.push(e),
    });
    client.identify({ userId: 'user-7', traits: { plan: 'gold' } });
    client.track({
      userId: 'user-7',
      event: 'Order Completed',
      properties: { order_id: 'r-1', total: 12.5, currency: 'USD' },
    });
    client.page({ anonymousId: 'anon-9', name: 'Home' });
    await client.flush();

    expect(errors).toEqual([]);
    const stored = await new FileEventStream(join(dir, 'stream', 'events')).read(null, 100);
    const envs = stored.map((r) => JSON.parse(Buffer.from(r.data, 'base64').toString()) as RawEnvelope);
    expect(envs.map((e) => (e.payload as { type: string }).type).sort()).toEqual([
      'identify',
      'page',
      'track',
    ]);
    const track = envs.find((e) => (e.payload as { type: string }).type === 'track');
    expect(track?.payload).toMatchObject({
      userId: 'user-7',
      event: 'Order Completed',
      properties: { order_id: 'r-1', total: 12.5, currency: 'USD' },
      context: { library: { name: 'analytics-node' } },
    });
    for (const e of envs) {
      expect(e).toMatchObject({ v: 1, kind: 'segment', source: 'web' });
      expect(e.eventId).toBe((e.payload as { messageId: string }).messageId);
    }
  });
});
