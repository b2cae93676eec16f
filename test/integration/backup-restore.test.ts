import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { localPaths } from '../../src/paths';
import { backupDataFolder, restoreDataFolder, verifyBackup } from '../../src/runtime/backup';
import { forgetLocal } from '../../src/runtime/forget';
import { createLocalEnrichHandler, drainStream } from '../../src/runtime/local-enrich';
import { loadWarehouse, openWarehouse, warehouseFile } from '../../src/warehouse/embedded';
import { segmentEnvelope } from '../helpers/kinesis';

/**
 * The restore rehearsal: a data folder with a lake and a warehouse is backed up; a person is then
 * forgotten and a disaster deletes silver and the warehouse; the backup is restored. Everything is
 * back as it was just before the disaster: the forgotten person too is gone again (the backup
 * still held them), and every other count equals.
 */
const DAY = '2026-03-01';
const TS = `${DAY}T10:00:00.000Z`;
const people = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
const envelopes = people
  .flatMap((u, i) => [
    segmentEnvelope({
      type: 'identify',
      userId: u,
      messageId: `id-${u}`,
      traits: { email: `${u}@example.com` },
      timestamp: TS,
    }),
    segmentEnvelope({
      type: 'track',
      event: 'Product Viewed',
      userId: u,
      messageId: `pv-${u}`,
      timestamp: TS,
    }),
    segmentEnvelope(
      {
        type: 'track',
        event: 'Order Completed',
        userId: u,
        messageId: `o-${u}`,
        timestamp: TS,
        properties: { order_id: `A-${i}`, total: 10 * (i + 1), currency: 'USD' },
      },
      { trust: 'server', source: 'backend' },
    ),
  ])
  .map((e) => ({ ...e, receivedAt: TS }));

async function counts(dir: string) {
  const paths = localPaths(dir);
  const engine = await openDuckDb();
  let lake: Record<string, unknown>;
  try {
    await registerLakeViews(engine, paths.lake);
    [lake = {}] = await engine.rows(
      `SELECT (SELECT count(*) FROM silver.events) AS silver_events,
              (SELECT count(DISTINCT customer_id) FROM silver.identity_map) AS customers,
              (SELECT count(*) FROM gold.fact_orders) AS gold_orders`,
    );
  } finally {
    engine.close();
  }
  const wh = await openWarehouse(dir, { readOnly: true });
  try {
    const [w = {}] = await wh.rows<Record<string, unknown>>(
      'SELECT (SELECT count(*) FROM gold.fact_orders) AS wh_orders, (SELECT CAST(sum(gross_usd) AS VARCHAR) FROM gold.fact_orders) AS wh_gross',
    );
    return { ...lake, ...w };
  } finally {
    wh.close();
  }
}

describe('backup and restore (embedded)', () => {
  let dir: string;
  let backup: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-restore-'));
    backup = join(await mkdtemp(join(tmpdir(), 'c360-backup-')), 'b1');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(join(backup, '..'), { recursive: true, force: true });
  });

  it('restores a deleted silver layer and warehouse, re-applies an erasure made after the backup, and every count equals', async () => {
    const paths = localPaths(dir);
    const stream = new FileEventStream(paths.stream);
    await stream.put(
      envelopes.map((e) => ({ partitionKey: String(e.eventId), data: Buffer.from(JSON.stringify(e)) })),
    );
    await drainStream({
      stream,
      handler: createLocalEnrichHandler(dir, { geo: false }),
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
    });
    await runEtl({ lakeDir: paths.lake, from: DAY, to: DAY });
    await loadWarehouse({ dataDir: dir, lakeDir: paths.lake });
    const full = await counts(dir);
    const n = people.length;
    // Order i of person i is 10 × (i + 1) USD.
    const gross = (from: number) =>
      people
        .slice(from)
        .reduce((a, _, i) => a + 10 * (i + from + 1), 0)
        .toFixed(2);
    expect(full).toMatchObject({
      silver_events: String(3 * n),
      customers: String(n),
      gold_orders: String(n),
      wh_orders: String(n),
      wh_gross: gross(0),
    });

    const manifest = await backupDataFolder({ dataDir: dir, to: backup });
    expect(
      manifest.files.some((f) => f.path === 'warehouse/c360.duckdb' || f.path.startsWith('warehouse/')),
    ).toBe(true);
    expect(manifest.files.some((f) => f.path.startsWith('stream/'))).toBe(false);
    expect(manifest.files.some((f) => f.path.endsWith('.lock') || f.path.includes('.lock/'))).toBe(false);

    // After the backup: u1 is forgotten. This is the state a restore must come back to.
    await forgetLocal({ dataDir: dir, request: { userId: 'u1' } });
    const expected = await counts(dir);
    // u1 (the first person, whose order was 10.00) is gone from every count.
    expect(expected).toMatchObject({
      silver_events: String(3 * (n - 1)),
      customers: String(n - 1),
      wh_orders: String(n - 1),
      wh_gross: gross(1),
    });

    // The disaster: silver and the warehouse are gone.
    await rm(join(paths.lake, 'silver'), { recursive: true, force: true });
    await rm(warehouseFile(dir), { force: true });

    const report = await restoreDataFolder({ dataDir: dir, from: backup });
    expect(report).toMatchObject({ files: manifest.files.length, erasuresReapplied: 1 });
    expect(report.suppressed).toBeGreaterThan(0);
    expect(await counts(dir)).toEqual(expected);
    // And nothing of u1 is back anywhere in the lake's text or the warehouse.
    const engine = await openDuckDb();
    try {
      await registerLakeViews(engine, paths.lake);
      expect(await engine.rows("SELECT * FROM silver.events WHERE user_id = 'u1'")).toEqual([]);
    } finally {
      engine.close();
    }
  });

  it('a damaged backup or one made under another key changes nothing', async () => {
    const paths = localPaths(dir);
    const stream = new FileEventStream(paths.stream);
    await stream.put(
      envelopes
        .slice(0, 3)
        .map((e) => ({ partitionKey: String(e.eventId), data: Buffer.from(JSON.stringify(e)) })),
    );
    await drainStream({
      stream,
      handler: createLocalEnrichHandler(dir, { geo: false }),
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
    });
    const m = await backupDataFolder({ dataDir: dir, to: backup });
    await expect(backupDataFolder({ dataDir: dir, to: backup })).rejects.toThrow('not empty');
    const bronze = m.files.find((f) => f.path.startsWith('lake/bronze/'))?.path as string;
    const original = await readFile(join(backup, bronze));
    await writeFile(join(backup, bronze), Buffer.concat([original, Buffer.from('x')]));
    await expect(verifyBackup(backup)).rejects.toThrow(`${bronze} in the backup does not match its checksum`);
    await expect(restoreDataFolder({ dataDir: dir, from: backup })).rejects.toThrow('damaged');
    expect(existsSync(join(dir, bronze))).toBe(true);
    await writeFile(join(backup, bronze), original);
    await writeFile(join(backup, 'state', 'pii.key'), 'ab'.repeat(32));
    // The key file is in the manifest too: checked first, as damage.
    await expect(restoreDataFolder({ dataDir: dir, from: backup })).rejects.toThrow(/damaged|another key/);
    await rm(join(backup, 'manifest.json'));
    await expect(restoreDataFolder({ dataDir: dir, from: backup })).rejects.toThrow(
      'not a complete c360 backup',
    );
  });
});
