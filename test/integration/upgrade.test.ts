import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { MIGRATIONS } from '../../src/domain/warehouse/migrations';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { localPaths } from '../../src/paths';
import { fixedClock } from '../../src/ports/clock';
import { forgetLocal } from '../../src/runtime/forget';
import { createLocalEnrichHandler, drainStream, localPrivacy } from '../../src/runtime/local-enrich';
import { loadWarehouse, openWarehouse } from '../../src/warehouse/embedded';
import { reconcileLakeWarehouse } from '../../src/warehouse/reconcile';
import { segmentEnvelope } from '../helpers/kinesis';

/**
 * The upgrade rehearsal: a data folder made by the previous release (test/fixtures/releases/
 * f8067a2.tar.gz: main at f8067a2, built by its own code from 8 people's identify, page view and
 * order of 2026-11-20; README there) is taken over by this release. Its next day is enriched,
 * built and loaded by the current code: nothing the old release stored is lost or changed, the
 * warehouse is migrated to the current model, the vault it wrote still opens, erasure still
 * reaches its rows, and the raw archive starts with the upgrade.
 */
const RELEASE = join(__dirname, '../fixtures/releases/f8067a2.tar.gz');
const OLD_DAY = '2026-11-20';
const NEW_DAY = '2026-11-21';
// The fixture's orders: person i (u1..u8) paid 12.50 × (i + 1) USD.
const oldGross = Array.from({ length: 8 }, (_, i) => 12.5 * (i + 1)).reduce((a, b) => a + b, 0);

async function lakeState(lake: string) {
  const engine = await openDuckDb();
  try {
    await registerLakeViews(engine, lake);
    const [r] = await engine.rows<Record<string, string>>(
      `SELECT (SELECT count(*) FROM silver.events WHERE dt = DATE '${OLD_DAY}') AS silver_old,
              (SELECT count(*) FROM gold.fact_orders) AS orders,
              (SELECT CAST(sum(gross_usd) AS VARCHAR) FROM gold.fact_orders) AS gross,
              (SELECT count(*) FROM gold.dim_customer) AS customers`,
    );
    return r;
  } finally {
    engine.close();
  }
}

describe('upgrade from the previous release', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-upgrade-'));
    execFileSync('tar', ['xzf', RELEASE, '-C', dir]);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every row the previous release stored, migrates its warehouse, opens its vault, and builds the next day on it', async () => {
    const paths = localPaths(dir);
    const before = await lakeState(paths.lake);
    expect(before).toEqual({ silver_old: '24', orders: '8', gross: oldGross.toFixed(2), customers: '8' });
    expect(existsSync(join(paths.lake, 'raw'))).toBe(false);

    // The next day, on the current code: a returning customer and a new one order.
    const stream = new FileEventStream(paths.stream);
    const at = `${NEW_DAY}T10:00:00.000Z`;
    const next = [
      ['u1', 'N-1', 40],
      ['u9', 'N-2', 60],
    ].map(([u, order, total]) => ({
      ...segmentEnvelope(
        {
          type: 'track',
          event: 'Order Completed',
          userId: u,
          messageId: `n-${order}`,
          timestamp: at,
          properties: { order_id: order, total, currency: 'USD' },
        },
        { trust: 'server', source: 'backend' },
      ),
      receivedAt: at,
    }));
    await stream.put(
      next.map((e) => ({ partitionKey: String(e.eventId), data: Buffer.from(JSON.stringify(e)) })),
    );
    const report = await drainStream({
      stream,
      handler: createLocalEnrichHandler(dir, { geo: false, clock: fixedClock(`${NEW_DAY}T10:00:05.000Z`) }),
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
    });
    // Only the new records: the old release's checkpoint holds.
    expect(report.records).toBe(next.length);
    await runEtl({ lakeDir: paths.lake, from: NEW_DAY, to: NEW_DAY });
    const load = await loadWarehouse({ dataDir: dir, lakeDir: paths.lake });
    expect(load.tables.length).toBeGreaterThan(0);

    expect(await lakeState(paths.lake)).toEqual({
      silver_old: before?.silver_old,
      orders: '10',
      gross: (oldGross + 100).toFixed(2),
      customers: '9',
    });
    const wh = await openWarehouse(dir, { readOnly: true });
    try {
      const [w] = await wh.rows<{ orders: string; gross: string }>(
        'SELECT count(*) AS orders, CAST(sum(gross_usd) AS VARCHAR) AS gross FROM gold.fact_orders',
      );
      expect(w).toEqual({ orders: '10', gross: (oldGross + 100).toFixed(2) });
      // Migrated to the current model: every migration this release ships is recorded.
      const [m] = await wh.rows<{ v: string }>(
        'SELECT CAST(max(version) AS VARCHAR) AS v FROM c360_meta.schema_migrations',
      );
      expect(Number(m?.v)).toBe(Math.max(0, ...MIGRATIONS.map((x) => x.version)));
    } finally {
      wh.close();
    }
    expect(
      (await reconcileLakeWarehouse({ dataDir: dir, lakeDir: paths.lake })).filter((r) => !r.agrees),
    ).toEqual([]);

    // The vault the old release wrote opens with this release's code.
    const { vault } = localPrivacy(dir);
    expect(await vault.reveal('user_id:u3')).toEqual(
      expect.arrayContaining([{ kind: 'email', field: 'email', value: 'u3@example.com' }]),
    );
    // The archive starts with the upgrade: the new day only.
    expect(existsSync(join(paths.lake, 'raw', `dt=${NEW_DAY}`))).toBe(true);
    expect(existsSync(join(paths.lake, 'raw', `dt=${OLD_DAY}`))).toBe(false);

    // Erasure reaches what the old release stored.
    await forgetLocal({ dataDir: dir, request: { userId: 'u3' } });
    expect(await vault.reveal('user_id:u3')).toEqual([]);
    expect(await lakeState(paths.lake)).toMatchObject({ orders: '9', customers: '8' });
  }, 300_000);
});
