import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { startServe } from '../src/cli/commands/serve';
import { bronzeFiles } from '../src/etl/runner';
import { projectRoot } from '../src/paths';
import { machine } from './harness';

/**
 * Loopback load test of `c360 serve` with its event source mapping: C connections post
 * 100-event batches until N events were accepted, then the mapping drains them into bronze.
 * Reports the accepted rate, the end-to-end rate (accepted → in bronze), peak RSS, and checks
 * that every accepted event is in bronze. Client, server and enrich share this process (and its
 * 2 cores on the reference machine), so the rates are a floor.
 * C360_BENCH_SERVE_EVENTS (default 200,000; the load test used 2,000,000).
 */
export async function run(): Promise<Record<string, unknown>[]> {
  const total = Number(process.env.C360_BENCH_SERVE_EVENTS ?? 200_000);
  return [await load(total, true), await load(total, false)];
}

async function load(total: number, enrich: boolean): Promise<Record<string, unknown>> {
  const connections = 16;
  const batchSize = 100;
  const dir = await mkdtemp(join(tmpdir(), 'c360-bench-serve-'));
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const server = await startServe({
    port: 0,
    dataDir: dir,
    writeKeys: { 'bench-key': 'web' },
    geo: false,
    enrich,
    mapping: { batchSize: 1000, batchingWindowMs: 100, pollIntervalMs: 50 },
    // As `c360 serve` runs it: the consumer in a process of its own (the built CLI).
    consumerProcess: join(projectRoot(), 'bin', 'c360.mjs'),
  });
  try {
    const auth = `Basic ${Buffer.from('bench-key:').toString('base64')}`;
    let next = 0;
    let accepted = 0;
    let errors = 0;
    const started = performance.now();
    const client = async () => {
      while (next < total) {
        const first = next;
        next += batchSize;
        const n = Math.min(batchSize, total - first);
        const batch = Array.from({ length: n }, (_, i) => ({
          type: 'track',
          event: 'Product Viewed',
          userId: `user-${(first + i) % 5000}`,
          messageId: `bench-${first + i}`,
          timestamp: '2026-01-01T10:00:00.000Z',
          context: {
            page: { url: 'https://shop.example/p/1?utm_source=google' },
            userAgent: 'Mozilla/5.0 (Macintosh)',
          },
          properties: { sku: `sku-${i}`, price: 19.99, currency: 'USD' },
        }));
        const res = await fetch(`${server.url}/v1/batch`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ batch }),
        });
        await res.arrayBuffer();
        if (res.status === 200) accepted += n;
        else errors++;
      }
    };
    await Promise.all(Array.from({ length: connections }, client));
    const ingestMs = performance.now() - started;
    // Drained when the consumer's checkpoint reaches the last record (one record per event).
    const consumed = async () =>
      BigInt(
        (await readFile(join(dir, 'state', 'enrich.checkpoint'), 'utf8').catch(() => '0')).trim() || '0',
      );
    while (enrich && (await consumed()) < BigInt(accepted)) await new Promise((r) => setTimeout(r, 100));
    const endToEndMs = performance.now() - started;
    // Every accepted event is in bronze (counted from the files themselves).
    let bronze = 0;
    for (const file of enrich ? await bronzeFiles(join(dir, 'lake')) : []) {
      const lines = createInterface({
        input: createReadStream(file).pipe(createGunzip()),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      for await (const line of lines) if (line) bronze++;
    }
    return {
      bench: enrich ? 'serve' : 'serve_ingest_only',
      events: total,
      connections,
      batch: batchSize,
      accepted,
      http_errors: errors,
      in_bronze: bronze,
      ingest_events_per_s: Math.round(accepted / (ingestMs / 1000)),
      end_to_end_events_per_s: Math.round(accepted / (endToEndMs / 1000)),
      drain_lag_s: Number(((endToEndMs - ingestMs) / 1000).toFixed(1)),
      peak_rss_mb: Math.round(peakRss / 2 ** 20),
      ...machine(),
    };
  } finally {
    clearInterval(sampler);
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
