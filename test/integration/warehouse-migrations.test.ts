import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE, LATEST_VERSION, MIGRATIONS, stepStatements } from '../../src/domain/warehouse/migrations';
import { type ColumnType, DUCKDB, duckdbDdl } from '../../src/domain/warehouse/model';
import { type Engine, openDuckDb } from '../../src/etl/duckdb';
import { setupWarehouse } from '../../src/warehouse/embedded';

/**
 * The embedded warehouse upgraded in place: a warehouse as the release before versioned
 * migrations built it (the baseline's tables, with rows) is brought to the model by setup, its
 * rows kept; a second setup changes nothing; a new warehouse starts at the latest version.
 */
async function baselineWarehouse(engine: Engine): Promise<void> {
  // Its gold tables and the staging copies its loads filled, both in the baseline's shape.
  for (const schema of ['gold', 'staging']) {
    await engine.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (const t of BASELINE.tables)
      await engine.run(
        `CREATE TABLE ${schema}.${t.name} (${t.columns
          .map(
            ([name, type, notNull]) => `${name} ${DUCKDB[type as ColumnType]}${notNull ? ' NOT NULL' : ''}`,
          )
          .join(', ')})`,
      );
  }
  await engine.run(
    `INSERT INTO gold.realtime_minute (window_start, shard_id, events, late_events, orders, active_customers, customers_capped, revenue_minor, revenue_usd)
     VALUES (TIMESTAMP '2026-11-30 10:00:00', 'shardId-000000000000', 40, 1, 3, 12, false, '{"USD":7550}', 75.50),
            (TIMESTAMP '2026-11-30 10:01:00', 'shardId-000000000000', 22, 0, 1, 9, false, '{"EUR":1000}', 10.80)`,
  );
  await engine.run(
    `INSERT INTO gold.fact_orders (order_key, order_id, provider, customer_id, gross_usd, net_usd) VALUES ('shopify:1', '1', 'shopify', 'c_1', 19.99, 19.99)`,
  );
}

const versions = async (engine: Engine) =>
  (
    await engine.rows<{ version: number }>('SELECT version FROM c360_meta.schema_migrations ORDER BY version')
  ).map((r) => Number(r.version));

describe('embedded warehouse migrations', () => {
  let dir: string;
  let engine: Engine;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-migrate-'));
    engine = await openDuckDb(join(dir, 'warehouse.duckdb'));
  });
  afterEach(async () => {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("upgrades the previous release's warehouse to the model with its rows kept; a second setup changes nothing", async () => {
    await baselineWarehouse(engine);
    const before = await engine.rows<Record<string, unknown>>(
      'SELECT window_start, shard_id, orders, CAST(revenue_usd AS VARCHAR) AS revenue_usd FROM gold.realtime_minute ORDER BY window_start',
    );
    const all = MIGRATIONS.map((m) => m.version);
    expect(await setupWarehouse(engine)).toEqual({ from: 0, to: LATEST_VERSION, applied: all });
    expect(await versions(engine)).toEqual([0, ...all]);
    // The staging copies the loads fill have the added columns too.
    for (const m of MIGRATIONS)
      for (const step of m.steps)
        if ('addColumn' in step) {
          const cols = await engine.rows<{ column_name: string }>(
            `SELECT column_name FROM information_schema.columns WHERE table_schema = 'staging' AND table_name = '${step.addColumn.table}'`,
          );
          expect(cols.map((c) => c.column_name)).toContain(step.addColumn.column);
        }
    // The new column is there, empty for the rows written before it; the rows are as they were.
    expect(
      await engine.rows(
        'SELECT window_start, shard_id, orders, CAST(revenue_usd AS VARCHAR) AS revenue_usd FROM gold.realtime_minute ORDER BY window_start',
      ),
    ).toEqual(before);
    expect(
      (await engine.rows<{ r: unknown }>('SELECT repeated_orders AS r FROM gold.realtime_minute')).map(
        (x) => x.r,
      ),
    ).toEqual([null, null]);
    expect(
      await engine.rows('SELECT order_key, CAST(net_usd AS VARCHAR) AS net FROM gold.fact_orders'),
    ).toEqual([{ order_key: 'shopify:1', net: '19.99' }]);
    // Idempotent: nothing applied twice.
    expect(await setupWarehouse(engine)).toEqual({ from: LATEST_VERSION, to: LATEST_VERSION, applied: [] });
    expect(await versions(engine)).toEqual([0, ...all]);
  });

  it('a new warehouse is created as modelled and recorded at the latest version', async () => {
    expect(await setupWarehouse(engine)).toEqual({ from: null, to: LATEST_VERSION, applied: [] });
    expect(await versions(engine)).toEqual([LATEST_VERSION]);
    const cols = await engine.rows<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'gold' AND table_name = 'realtime_minute' ORDER BY ordinal_position",
    );
    expect(cols.map((c) => c.column_name)).toContain('repeated_orders');
  });

  it('a rebuild (a changed type, key or sort key) deep-copies the rows into the table as modelled', async () => {
    await baselineWarehouse(engine);
    for (const sql of stepStatements({ rebuild: { table: 'realtime_minute' } }, 'duckdb', duckdbDdl))
      await engine.run(sql);
    expect(
      await engine.rows(
        'SELECT shard_id, orders, repeated_orders FROM gold.realtime_minute ORDER BY window_start',
      ),
    ).toEqual([
      { shard_id: 'shardId-000000000000', orders: '3', repeated_orders: null },
      { shard_id: 'shardId-000000000000', orders: '1', repeated_orders: null },
    ]);
  });

  it('refuses a warehouse a newer release migrated, saying what to do', async () => {
    await setupWarehouse(engine);
    await engine.run(
      `INSERT INTO c360_meta.schema_migrations VALUES (${LATEST_VERSION + 1}, 'from the future', CURRENT_TIMESTAMP)`,
    );
    await expect(setupWarehouse(engine)).rejects.toThrow(
      /newer than this release's .*deploy the release that made it/,
    );
  });
});
