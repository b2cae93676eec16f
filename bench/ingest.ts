import { gzipSync } from 'node:zlib';
import { MemoryEventStream } from '../src/adapters/local/file-stream';
import { EmfMetrics, LocalLogger } from '../src/adapters/local/telemetry';
import { StaticWriteKeys } from '../src/adapters/write-keys';
import { createIngestHandler } from '../src/handlers/ingest';
import { systemClock } from '../src/ports/clock';
import { machine, timeLoop } from './harness';

/** Events/s per core through the ingest handler, 100-event batches, plain and gzip. */
export async function run(): Promise<Record<string, unknown>[]> {
  const batchSize = 100;
  let n = 0;
  const batch = Array.from({ length: batchSize }, (_, i) => ({
    type: 'track',
    event: 'Product Viewed',
    userId: `user-${i % 37}`,
    messageId: `m-${i}`,
    originalTimestamp: '2026-01-01T10:00:00.000Z',
    context: {
      library: { name: 'analytics.js', version: '5.0.0' },
      page: { url: 'https://shop.example/p/123?utm_source=google', referrer: 'https://www.google.com/' },
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15',
      ip: '203.0.113.9',
    },
    properties: { sku: `sku-${i}`, price: 19.99, currency: 'USD', name: 'Blue Shirt', category: 'apparel' },
  }));
  const body = Buffer.from(JSON.stringify({ batch, sentAt: '2026-01-01T10:00:01.000Z' }));
  const gz = gzipSync(body);
  const out: Record<string, unknown>[] = [];
  for (const variant of ['plain', 'gzip'] as const) {
    const stream = new MemoryEventStream();
    const handler = createIngestHandler({
      stream,
      writeKeys: new StaticWriteKeys({ 'bench-key': 'web' }),
      clock: systemClock,
      ids: () => `id-${++n}`,
      logger: new LocalLogger('bench', 'silent'),
      metrics: new EmfMetrics('c360', 'bench'),
    });
    const event = {
      version: '2.0',
      rawPath: '/v1/batch',
      headers: {
        authorization: `Basic ${Buffer.from('bench-key:').toString('base64')}`,
        'content-type': 'application/json',
        ...(variant === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
      },
      requestContext: {
        requestId: 'r',
        http: { method: 'POST', path: '/v1/batch', sourceIp: '203.0.113.9' },
      },
      body: variant === 'gzip' ? gz.toString('base64') : body.toString('utf8'),
      isBase64Encoded: variant === 'gzip',
    } as unknown as Parameters<typeof handler>[0];
    const { items, ms } = await timeLoop(3000, async () => {
      const res = await handler(event);
      if (res.statusCode !== 200) throw new Error(`bench request failed: ${res.body}`);
      stream.records.length = 0;
      return batchSize;
    });
    out.push({
      bench: 'ingest',
      variant,
      batch: batchSize,
      event_bytes: Math.round(body.length / batchSize),
      events_per_s: Math.round((items / ms) * 1000),
      batches: items / batchSize,
      ...machine(),
    });
  }
  return out;
}
