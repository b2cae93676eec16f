import { createRequire } from 'node:module';
import type { KinesisStreamRecord } from 'aws-lambda';
import { GeoipLiteLookup } from '../src/adapters/geoip';
import { LocalDedupeStore } from '../src/adapters/local/dedupe';
import { MemoryDelivery } from '../src/adapters/local/lake-delivery';
import { EmfMetrics, LocalLogger } from '../src/adapters/local/telemetry';
import { Pseudonymizer } from '../src/domain/enrich/pii';
import { UserAgentCache } from '../src/domain/enrich/useragent';
import type { RawEnvelope } from '../src/domain/event';
import { createEnrichHandler } from '../src/handlers/enrich';
import { systemClock } from '../src/ports/clock';
import { createRng } from '../src/sample/random';
import { machine } from './harness';

/**
 * Enrich throughput on a 10,000-record Kinesis batch: real user agents (user-agents package),
 * ~1 KB events, 5% invalid, 2% duplicates, against a floor of decode + parse + stringify only.
 */
const N = 10_000;

function buildBatch(): KinesisStreamRecord[] {
  const rng = createRng(42);
  const UserAgent = createRequire(__filename)('user-agents') as new () => { toString(): string };
  const uas = Array.from({ length: 500 }, () => new UserAgent().toString());
  const records: KinesisStreamRecord[] = [];
  for (let i = 0; i < N; i++) {
    const dup = i > 0 && rng.chance(0.02);
    const id = dup ? `m-${rng.int(0, i - 1)}` : `m-${i}`;
    const invalid = rng.chance(0.05);
    const env: RawEnvelope = {
      v: 1,
      kind: 'segment',
      source: rng.pick(['web', 'ios', 'android']),
      receivedAt: '2026-01-01T10:00:02.000Z',
      requestId: `req-${i >> 6}`,
      ip: `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      userAgent: rng.pick(uas),
      payload: {
        type: invalid ? 'track' : rng.pick(['track', 'track', 'page', 'identify']),
        event: invalid ? undefined : 'Product Viewed',
        name: 'Product',
        userId: `user-${rng.int(1, 2000)}`,
        anonymousId: `anon-${rng.int(1, 5000)}`,
        messageId: id,
        originalTimestamp: '2026-01-01T09:59:58.000Z',
        sentAt: '2026-01-01T10:00:00.000Z',
        context: {
          library: { name: 'analytics.js', version: '5.2.0' },
          page: {
            url: `https://shop.example/products/${i}?utm_source=newsletter&utm_medium=email&utm_campaign=spring`,
            referrer: rng.pick(['https://www.google.com/', 'https://t.co/x', '', 'https://shop.example/']),
            title: 'Blue cotton shirt with a long descriptive product title for realism',
          },
          locale: 'en-US',
          timezone: 'Europe/London',
          screen: { width: 1440, height: 900 },
        },
        properties: {
          sku: `SKU-${i % 977}`,
          name: 'Blue Shirt',
          price: 29.99,
          currency: 'USD',
          category: 'apparel/shirts',
          brand: 'Acme',
          variant: 'blue/m',
          position: i % 24,
          url: `https://shop.example/products/${i}`,
          description: 'A comfortable shirt made from organic cotton, machine washable, regular fit.',
        },
        traits: rng.chance(0.2) ? { email: `user${i}@example.com`, phone: '+1 415 555 0100' } : {},
      },
    };
    records.push({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `s:${i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'x',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'k',
        sequenceNumber: String(i).padStart(20, '0'),
        approximateArrivalTimestamp: 1767261602,
        data: Buffer.from(JSON.stringify(env)).toString('base64'),
      },
    });
  }
  return records;
}

export async function run(): Promise<Record<string, unknown>[]> {
  const records = buildBatch();
  const avgBytes = Math.round(records.reduce((s, r) => s + (r.kinesis.data.length * 3) / 4, 0) / N);

  // Floor: decode + parse + stringify only.
  const floor = () => {
    let sink = 0;
    for (const r of records)
      sink += JSON.stringify(JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'))).length;
    return sink;
  };
  for (let i = 0; i < 3; i++) floor();
  const f0 = performance.now();
  const floorRuns = 10;
  for (let i = 0; i < floorRuns; i++) floor();
  const floorRate = (N * floorRuns) / ((performance.now() - f0) / 1000);

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
    await runOnce();
    await runOnce();
    const runs = 5;
    let ms = 0;
    let stats: Awaited<ReturnType<typeof runOnce>>['stats'] | undefined;
    for (let i = 0; i < runs; i++) {
      const r = await runOnce();
      ms += r.ms;
      stats = r.stats;
    }
    const rate = (N * runs) / (ms / 1000);
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
