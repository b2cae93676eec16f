import { GeoipLiteLookup } from '../src/adapters/geoip';
import { LocalDedupeStore } from '../src/adapters/local/dedupe';
import { MemoryDelivery } from '../src/adapters/local/lake-delivery';
import { EmfMetrics, LocalLogger } from '../src/adapters/local/telemetry';
import { Pseudonymizer } from '../src/domain/enrich/pii';
import { UserAgentCache } from '../src/domain/enrich/useragent';
import { createEnrichHandler } from '../src/handlers/enrich';
import { systemClock } from '../src/ports/clock';
import { enrichBenchBatch } from './enrich-batch';
import { machine, median } from './harness';

/**
 * Enrich throughput on a 10,000-record Kinesis batch (`enrichBenchBatch`: real user agents, ~1.2 KB
 * events, 5% invalid, 2% duplicates), against a floor of decode + parse + stringify only, measured
 * in alternating rounds (median of each).
 */
const N = 10_000;

export async function run(): Promise<Record<string, unknown>[]> {
  const records = enrichBenchBatch(N);
  const avgBytes = Math.round(records.reduce((s, r) => s + (r.kinesis.data.length * 3) / 4, 0) / N);

  // Floor: decode + parse + stringify only.
  const floor = () => {
    let sink = 0;
    for (const r of records)
      sink += JSON.stringify(JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'))).length;
    return sink;
  };
  const timeFloor = () => {
    const t0 = performance.now();
    floor();
    return performance.now() - t0;
  };

  const geo = new GeoipLiteLookup();
  const out: Record<string, unknown>[] = [];
  for (const withGeo of [false, true]) {
    const runOnce = async () => {
      const delivery = new MemoryDelivery();
      const handler = createEnrichHandler({
        delivery,
        quarantine: new MemoryDelivery(),
        dedupe: new LocalDedupeStore(),
        enrich: {
          ua: new UserAgentCache(),
          geo: withGeo ? geo : { lookup: () => null },
          pseudonymizer: new Pseudonymizer('bench-key-0123456789abcdef'),
          lateWindowMs: 48 * 3600_000,
        },
        clock: systemClock,
        logger: new LocalLogger('bench', 'silent'),
        metrics: new EmfMetrics('c360', 'bench'),
      });
      const t0 = performance.now();
      const res = await handler.process(records);
      return { ms: performance.now() - t0, stats: res.stats };
    };
    for (let i = 0; i < 3; i++) {
      timeFloor();
      await runOnce();
    }
    // Floor and enrich alternate, round by round, and each side's median round counts: on a
    // shared machine the neighbours' load drifts, and the ratio compares like with like.
    const rounds = 9;
    const floorMs: number[] = [];
    const enrichMs: number[] = [];
    let stats: Awaited<ReturnType<typeof runOnce>>['stats'] | undefined;
    for (let i = 0; i < rounds; i++) {
      floorMs.push(timeFloor());
      const r = await runOnce();
      enrichMs.push(r.ms);
      stats = r.stats;
    }
    const rate = N / (median(enrichMs) / 1000);
    const floorRate = N / (median(floorMs) / 1000);
    out.push({
      bench: 'enrich',
      geo: withGeo,
      batch: N,
      avg_record_bytes: avgBytes,
      records_per_s: Math.round(rate),
      floor_records_per_s: Math.round(floorRate),
      ratio_to_floor: Number((rate / floorRate).toFixed(3)),
      delivered: stats?.delivered,
      quarantined: stats?.quarantined,
      duplicates: stats?.duplicates,
      ...machine(),
    });
  }
  return out;
}
