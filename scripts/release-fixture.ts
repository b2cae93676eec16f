/**
 * Builds the upgrade test's data folder with the code of the checkout it runs in (a release):
 *   git worktree add /tmp/rel <release sha> && ln -s "$PWD/node_modules" /tmp/rel/node_modules
 *   cp scripts/release-fixture.ts /tmp/rel/scripts/ && cd /tmp/rel
 *   node_modules/.bin/esbuild scripts/release-fixture.ts --bundle --platform=node \
 *     --external:geoip-lite '--external:@duckdb/*' --outfile=scripts/release-fixture.cjs
 *   node scripts/release-fixture.cjs /tmp/rel-data
 *   tar czf <repo>/test/fixtures/releases/<sha>.tar.gz --exclude=metrics -C /tmp/rel-data .
 * 8 people's identify (with an email and a first name), page view and order on 2026-11-20,
 * enriched, built into silver and gold, and loaded into the warehouse.
 */
import { join } from 'node:path';
import { FileEventStream } from '../src/adapters/local/file-stream';
import { runEtl } from '../src/etl/runner';
import { localPaths } from '../src/paths';
import { fixedClock } from '../src/ports/clock';
import { createLocalEnrichHandler, drainStream } from '../src/runtime/local-enrich';
import { loadWarehouse } from '../src/warehouse/embedded';

const dir = process.argv[2] as string;
const DAY = '2026-11-20';
const people = Array.from({ length: 8 }, (_, i) => `u${i + 1}`);
const envelopes = people.flatMap((u, i) => {
  const at = `${DAY}T09:${String(i).padStart(2, '0')}:00.000Z`;
  const base = {
    v: 1,
    source: 'web',
    receivedAt: at,
    requestId: `r-${u}`,
    ip: '81.2.69.160',
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  };
  return [
    {
      ...base,
      kind: 'segment',
      eventId: `id-${u}`,
      payload: {
        type: 'identify',
        userId: u,
        messageId: `id-${u}`,
        traits: { email: `${u}@example.com`, firstName: `Name${i}` },
        timestamp: at,
      },
    },
    {
      ...base,
      kind: 'segment',
      eventId: `pv-${u}`,
      payload: { type: 'page', name: 'Home', userId: u, messageId: `pv-${u}`, timestamp: at },
    },
    {
      ...base,
      kind: 'segment',
      source: 'backend',
      trust: 'server',
      eventId: `o-${u}`,
      payload: {
        type: 'track',
        event: 'Order Completed',
        userId: u,
        messageId: `o-${u}`,
        timestamp: at,
        properties: { order_id: `R-${i}`, total: 12.5 * (i + 1), currency: 'USD' },
      },
    },
  ];
});
(async () => {
  const paths = localPaths(dir);
  const stream = new FileEventStream(paths.stream);
  await stream.put(envelopes.map((e) => ({ partitionKey: e.eventId, data: Buffer.from(JSON.stringify(e)) })));
  await drainStream({
    stream,
    handler: createLocalEnrichHandler(dir, { geo: false, clock: fixedClock(`${DAY}T12:00:00.000Z`) }),
    checkpointFile: join(paths.state, 'enrich.checkpoint'),
  });
  await runEtl({ lakeDir: paths.lake, from: DAY, to: DAY });
  await loadWarehouse({ dataDir: dir, lakeDir: paths.lake });
  console.log('ok');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
