import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MemoryCheckpointStore } from '../src/adapters/local/checkpoint';
import { MemoryDelivery } from '../src/adapters/local/lake-delivery';
import { EmfMetrics, LocalLogger } from '../src/adapters/local/telemetry';
import { noGeo } from '../src/domain/enrich/geo';
import { Pseudonymizer } from '../src/domain/enrich/pii';
import { UserAgentCache } from '../src/domain/enrich/useragent';
import { openDuckDb } from '../src/etl/duckdb';
import { runEtl } from '../src/etl/runner';
import { createEnrichHandler } from '../src/handlers/enrich';
import { systemClock } from '../src/ports/clock';
import { enrichBenchBatch } from './enrich-batch';
import { generateLake, machine } from './harness';

/**
 * Bytes per event the lake stores, the cost model's storage inputs (config/prices.json "measured"):
 *  - bronze: 10,000 real-shaped Segment events (`enrichBenchBatch`) through the real enrich, gzip per
 *    bronze partition as Firehose writes them (a small sample: an upper bound, since Firehose
 *    buffers far more lines per object);
 *  - silver and gold: a 30-day, 1M-event lake (the ETL bench's generator) after the ETL, every
 *    Parquet file of each layer over the events silver holds.
 */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name.endsWith('.parquet')) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

export async function run(): Promise<Record<string, unknown>[]> {
  const delivery = new MemoryDelivery();
  const handler = createEnrichHandler({
    delivery,
    quarantine: new MemoryDelivery(),
    checkpoints: new MemoryCheckpointStore(),
    enrich: {
      ua: new UserAgentCache(),
      geo: noGeo,
      pseudonymizer: new Pseudonymizer('bench-key-0123456789abcdef'),
      lateWindowMs: 48 * 3600_000,
    },
    clock: systemClock,
    logger: new LocalLogger('bench', 'silent'),
    metrics: new EmfMetrics('c360', 'bench'),
  });
  await handler.process(enrichBenchBatch(10_000));
  const byPartition = new Map<string, string[]>();
  for (const item of delivery.items)
    byPartition.set(item.prefix, [...(byPartition.get(item.prefix) ?? []), item.line]);
  let gz = 0;
  let raw = 0;
  for (const lines of byPartition.values()) {
    const text = `${lines.join('\n')}\n`;
    raw += Buffer.byteLength(text);
    gz += gzipSync(text).length;
  }
  const bronzeEvents = delivery.items.length;

  const dir = await mkdtemp(join(tmpdir(), 'c360-bench-bytes-'));
  const lake = join(dir, 'lake');
  try {
    const events = 1_000_000;
    await generateLake(lake, { events, customers: events / 40, days: 30, startDate: '2026-01-01' });
    await runEtl({ lakeDir: lake, from: '2026-01-01', to: '2026-01-30', threads: 2 });
    const engine = await openDuckDb();
    let silverEvents = 0;
    try {
      const [n] = await engine.rows<{ n: string }>(
        `SELECT count(*) AS n FROM read_parquet('${join(lake, 'silver', 'events')}/**/*.parquet')`,
      );
      silverEvents = Number(n?.n);
    } finally {
      engine.close();
    }
    const silver = await bytesUnder(join(lake, 'silver'));
    const gold = await bytesUnder(join(lake, 'gold'));
    return [
      {
        bench: 'lake_bytes',
        bronze_events: bronzeEvents,
        bronze_partitions: byPartition.size,
        bronze_json_bytes_per_event: Math.round(raw / bronzeEvents),
        bronze_gz_bytes_per_event: Math.round(gz / bronzeEvents),
        silver_events: silverEvents,
        silver_bytes_per_event: Math.round(silver / silverEvents),
        gold_bytes_per_event: Math.round(gold / silverEvents),
        ...machine(),
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
