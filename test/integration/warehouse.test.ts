import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardCache, dashboardCacheDir } from '../../src/dashboards/cache';
import { DASHBOARDS, emptyText } from '../../src/dashboards/definitions';
import { renderDashboards } from '../../src/dashboards/render';
import { mergeStatements, WAREHOUSE_TABLES, warehouseDdl } from '../../src/domain/warehouse/model';
import { REPORTING_VIEWS, renderReportingModule } from '../../src/domain/warehouse/reporting';
import { lit, openDuckDb } from '../../src/etl/duckdb';
import { runEtl } from '../../src/etl/runner';
import { loadWarehouse, openWarehouse, setupWarehouse } from '../../src/warehouse/embedded';
import { lakeEvent, queryLake, writeBronze } from '../helpers/lake';

const user = (v: string) => ({ type: 'user_id', value: v }) as const;
const order = (day: string, who: string, id: string, cents: number, extra = {}) =>
  lakeEvent(
    'order_completed',
    `${day}T12:00:00.000Z`,
    [user(who)],
    { orderId: id, amount: cents, currency: 'USD', status: 'paid' },
    extra,
  );

async function whRows(dataDir: string, sql: string) {
  const wh = await openWarehouse(dataDir, { readOnly: true });
  try {
    return await wh.rows(sql);
  } finally {
    wh.close();
  }
}

describe('warehouse DDL (one table model, two engines)', () => {
  it.each(['redshift', 'duckdb'] as const)('the committed %s DDL is what the model renders', (engine) => {
    const golden = readFileSync(join(__dirname, '../../sql/warehouse/ddl', `${engine}.sql`), 'utf8');
    expect(golden).toBe(warehouseDdl(engine));
  });

  it('Redshift tables have ENCODE AUTO, a distribution and a sort key; money is DECIMAL; SUPER for attributes', () => {
    const ddl = warehouseDdl('redshift');
    expect(ddl).toContain(
      'DISTSTYLE KEY DISTKEY (customer_id)\nCOMPOUND SORTKEY (order_date, customer_id)\nENCODE AUTO;',
    );
    expect(ddl).toContain('DISTSTYLE ALL\nCOMPOUND SORTKEY (date_key)');
    expect(ddl).toMatch(/net_usd DECIMAL\(18,2\)/);
    expect(ddl).toMatch(/attributes SUPER/);
  });

  it('every table and column carries its description from the model (COMMENT ON), as SQL clients see it', async () => {
    const engine = await openDuckDb();
    try {
      await setupWarehouse(engine);
      const tables = await engine.rows<{ table_name: string; comment: string | null }>(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'gold' ORDER BY table_name",
      );
      const columns = await engine.rows<{ table_name: string; column_name: string; comment: string | null }>(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'gold' ORDER BY table_name, column_index",
      );
      const byName = [...WAREHOUSE_TABLES].sort((a, b) => a.name.localeCompare(b.name));
      expect(tables).toEqual(byName.map((t) => ({ table_name: t.name, comment: t.description })));
      expect(columns).toEqual(
        byName.flatMap((t) =>
          t.columns.map((c) => ({ table_name: t.name, column_name: c.name, comment: c.description })),
        ),
      );
      expect(columns.every((c) => (c.comment ?? '').length > 0)).toBe(true);
    } finally {
      engine.close();
    }
  });

  it('the DuckDB DDL runs', async () => {
    const engine = await openDuckDb();
    try {
      const statements = warehouseDdl('duckdb')
        .replace(/^--.*$/gm, '')
        // Statements end a line (a description may hold a semicolon).
        .split(/;\n/);
      for (const stmt of statements.map((s) => s.trim()).filter(Boolean)) {
        await engine.run(stmt);
      }
      expect(
        (
          await engine.rows<{ n: string }>(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'gold'",
          )
        )[0]?.n,
      ).toBe(String(WAREHOUSE_TABLES.length));
    } finally {
      engine.close();
    }
  });
});

describe('embedded warehouse loads (same merge semantics as Redshift)', () => {
  let dir: string;
  let lake: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-wh-'));
    lake = join(dir, 'lake');
    await writeBronze(lake, [
      order('2026-03-01', 'a', 'o1', 1000),
      order('2026-03-01', 'b', 'o2', 2550),
      order('2026-03-02', 'a', 'o3', 499),
      lakeEvent('page', '2026-03-01T10:00:00.000Z', [user('a')]),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-02' });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a table gold rebuilds whole (data quality flags) holds exactly the last load: a resolved flag goes', async () => {
    const t = WAREHOUSE_TABLES.find((x) => x.name === 'dq_row_flags');
    expect(t?.replace).toBe(true);
    const engine = await openDuckDb();
    try {
      await setupWarehouse(engine);
      const load = async (rows: [string, string][]) => {
        for (const [key, day] of rows)
          await engine.run(
            `INSERT INTO staging.dq_row_flags VALUES ('money_has_rate', 'silver.events', '${key}', 'XOF has no USD rate', DATE '${day}')`,
          );
        for (const sql of mergeStatements(t as NonNullable<typeof t>, '2026-03-03T00:00:00Z'))
          await engine.run(sql);
        return (
          await engine.rows<{ row_key: string }>('SELECT row_key FROM gold.dq_row_flags ORDER BY row_key')
        ).map((r) => r.row_key);
      };
      expect(
        await load([
          ['web:e1', '2026-03-01'],
          ['web:e2', '2026-03-02'],
        ]),
      ).toEqual(['web:e1', 'web:e2']);
      // e1's rate was loaded and its day rerun: gold no longer flags it.
      expect(await load([['web:e2', '2026-03-02']])).toEqual(['web:e2']);
      expect(await load([])).toEqual([]);
    } finally {
      engine.close();
    }
  });

  it('orders and revenue equal gold; loading twice changes nothing', async () => {
    await loadWarehouse({ dataDir: dir, lakeDir: lake });
    const gold = await queryLake(
      lake,
      'SELECT count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net FROM gold.fact_orders WHERE is_revenue',
    );
    const wh = async () => ({
      totals: await whRows(
        dir,
        'SELECT count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net FROM gold.fact_orders WHERE is_revenue',
      ),
      orders: await whRows(dir, 'SELECT * FROM gold.fact_orders ORDER BY order_key'),
      customers: await whRows(
        dir,
        'SELECT customer_id, valid_from, is_current, net_usd FROM gold.dim_customer ORDER BY customer_id, valid_from',
      ),
    });
    const first = await wh();
    expect(first.totals).toEqual(gold);
    expect(first.totals).toEqual([{ orders: '3', net: '40.49' }]);
    await loadWarehouse({ dataDir: dir, lakeDir: lake, now: () => new Date('2030-01-01T00:00:00Z') });
    expect(await wh()).toEqual(first);
  });

  it('a dated reload picks up a late order for that date', async () => {
    await loadWarehouse({ dataDir: dir, lakeDir: lake });
    await writeBronze(lake, [
      order('2026-03-01', 'c', 'o-late', 700, { receivedAt: '2026-03-05T08:00:00.000Z' }),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-05', to: '2026-03-05' });
    await loadWarehouse({ dataDir: dir, lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    expect(
      await whRows(
        dir,
        "SELECT order_id FROM gold.fact_orders WHERE order_date = DATE '2026-03-01' ORDER BY order_id",
      ),
    ).toEqual([{ order_id: 'o-late' }, { order_id: 'o1' }, { order_id: 'o2' }]);
    expect(await whRows(dir, 'SELECT count(*) AS n FROM gold.fact_orders')).toEqual([{ n: '4' }]);
    // The pre-aggregated reporting tables were refilled by the load: the late order is counted.
    expect(
      await whRows(
        dir,
        "SELECT orders, CAST(net_usd AS VARCHAR) AS net FROM reporting.purchase_trends WHERE order_date = DATE '2026-03-01'",
      ),
    ).toEqual([{ orders: '3', net: '42.50' }]);
    expect(
      await whRows(
        dir,
        "SELECT table_name, rows_loaded FROM reporting.pipeline_health WHERE table_name = 'fact_orders'",
      ),
    ).toEqual([{ table_name: 'fact_orders', rows_loaded: '3' }]);
  });

  it('dim_customer keeps type-2 history: a segment change closes the old version and opens a new one', async () => {
    await loadWarehouse({ dataDir: dir, lakeDir: lake, now: () => new Date('2026-03-03T00:00:00Z') });
    // The scoring moved customer "b" to another segment in gold.
    const rfm = join(lake, 'gold', 'customer_rfm', 'data.parquet');
    const engine = await openDuckDb();
    try {
      await engine.run(
        `COPY (SELECT * REPLACE (CASE WHEN customer_id = (SELECT customer_id FROM read_parquet(${lit(rfm)}) ORDER BY monetary_usd DESC LIMIT 1) THEN 'champions' ELSE segment END AS segment) FROM read_parquet(${lit(rfm)})) TO ${lit(`${rfm}.new`)} (FORMAT parquet)`,
      );
    } finally {
      engine.close();
    }
    await rename(`${rfm}.new`, rfm);
    await loadWarehouse({ dataDir: dir, lakeDir: lake, now: () => new Date('2026-03-04T00:00:00Z') });
    const versions = await whRows(
      dir,
      'SELECT segment, CAST(valid_from AS VARCHAR) AS valid_from, CAST(valid_to AS VARCHAR) AS valid_to, is_current FROM gold.dim_customer WHERE customer_id IN (SELECT customer_id FROM gold.dim_customer GROUP BY 1 HAVING count(*) > 1) ORDER BY valid_from',
    );
    expect(versions).toHaveLength(2);
    expect(versions[0]).toMatchObject({
      valid_from: '2026-03-03 00:00:00',
      valid_to: '2026-03-04 00:00:00',
      is_current: false,
    });
    expect(versions[1]).toMatchObject({
      segment: 'champions',
      valid_from: '2026-03-04 00:00:00',
      valid_to: null,
      is_current: true,
    });
    expect(await whRows(dir, 'SELECT to_segment, customers FROM reporting.segment_migrations')).toEqual([
      { to_segment: 'champions', customers: '1' },
    ]);
    // One current version per customer.
    expect(
      await whRows(
        dir,
        'SELECT count(*) AS n FROM (SELECT customer_id FROM gold.dim_customer WHERE is_current GROUP BY 1 HAVING count(*) > 1)',
      ),
    ).toEqual([{ n: '0' }]);
  });

  it('reporting views answer with the numbers gold implies (independent SQL over the lake)', async () => {
    await loadWarehouse({ dataDir: dir, lakeDir: lake });
    const trendsGold = await queryLake(
      lake,
      'SELECT CAST(CAST(dt AS DATE) AS VARCHAR) AS d, count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net FROM gold.fact_orders WHERE is_revenue GROUP BY 1 ORDER BY 1',
    );
    expect(
      await whRows(
        dir,
        'SELECT CAST(order_date AS VARCHAR) AS d, orders, CAST(net_usd AS VARCHAR) AS net FROM reporting.purchase_trends ORDER BY 1',
      ),
    ).toEqual(trendsGold);
    const segGold = await queryLake(
      lake,
      "SELECT coalesce(r.segment, 'no_orders') AS segment, count(*) AS customers FROM gold.dim_customer d LEFT JOIN gold.customer_rfm r USING (customer_id) GROUP BY 1 ORDER BY 1",
    );
    expect(
      await whRows(dir, 'SELECT segment, customers FROM reporting.customer_segments ORDER BY 1'),
    ).toEqual(segGold);
    const [k] = await whRows(
      dir,
      'SELECT customers, buyers, orders, CAST(net_usd AS VARCHAR) AS net FROM reporting.kpis',
    );
    expect(k).toEqual({
      customers: String((await queryLake(lake, 'SELECT count(*) AS n FROM gold.dim_customer'))[0]?.n),
      buyers: '2',
      orders: '3',
      net: '40.49',
    });
  });
});

describe('reporting layer: materialized tables refilled at each load, views where rows arrive between loads', () => {
  let dir: string;
  let lake: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-wh-rep-'));
    lake = join(dir, 'lake');
    await writeBronze(lake, [order('2026-03-01', 'a', 'o1', 1000), order('2026-03-02', 'b', 'o2', 2550)]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-02' });
    await loadWarehouse({ dataDir: dir, lakeDir: lake });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every materialized one is a table holding exactly what its SELECT returns; the others are views', async () => {
    const kinds = await whRows(
      dir,
      "SELECT table_name AS name, table_type AS kind FROM information_schema.tables WHERE table_schema = 'reporting' ORDER BY 1",
    );
    expect(kinds).toEqual(
      [...REPORTING_VIEWS]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((v) => ({ name: v.name, kind: v.materialized ? 'BASE TABLE' : 'VIEW' })),
    );
    for (const v of REPORTING_VIEWS.filter((x) => x.materialized)) {
      const diff = await whRows(
        dir,
        `SELECT count(*) AS n FROM ((SELECT * FROM reporting.${v.name} EXCEPT ALL SELECT * FROM (${v.sql}) q)
           UNION ALL (SELECT * FROM (${v.sql}) q EXCEPT ALL SELECT * FROM reporting.${v.name}))`,
      );
      expect([v.name, diff]).toEqual([v.name, [{ n: '0' }]]);
    }
    expect(await whRows(dir, 'SELECT count(*) AS n FROM reporting.purchase_trends')).toEqual([{ n: '2' }]);
  });

  it('a materialized table whose columns no longer match its SELECT (an older release) is created again', async () => {
    const wh = await openWarehouse(dir);
    try {
      await wh.run('DROP TABLE reporting.purchase_trends');
      await wh.run('CREATE TABLE reporting.purchase_trends AS SELECT 1 AS old_column');
    } finally {
      wh.close();
    }
    await loadWarehouse({ dataDir: dir, lakeDir: lake });
    expect(
      await whRows(
        dir,
        'SELECT CAST(order_date AS VARCHAR) AS d, orders FROM reporting.purchase_trends ORDER BY 1',
      ),
    ).toEqual([
      { d: '2026-03-01', orders: '1' },
      { d: '2026-03-02', orders: '1' },
    ]);
  });

  it('the committed reporting.generated.ts is what the SQL files render', () => {
    const folder = join(__dirname, '../../sql/warehouse/reporting');
    const files = Object.fromEntries(
      readdirSync(folder)
        .filter((f) => f.endsWith('.sql'))
        .map((f) => [f.replace(/\.sql$/, ''), readFileSync(join(folder, f), 'utf8')]),
    );
    expect(readFileSync(join(__dirname, '../../src/domain/warehouse/reporting.generated.ts'), 'utf8')).toBe(
      renderReportingModule(files),
    );
  });
});

describe('dashboard query cache (flat-cache on disk, TTL per dashboard, cleared by a warehouse load)', () => {
  let dir: string;
  let lake: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-cache-'));
    lake = join(dir, 'lake');
    await writeBronze(lake, [order('2026-03-01', 'a', 'o1', 1000), order('2026-03-02', 'b', 'o2', 2550)]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-02' });
    await loadWarehouse({ dataDir: dir, lakeDir: lake, now: () => new Date('2026-03-03T01:00:00Z') });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Renders with a fresh cache object (as a new `c360 dashboard` process would), counting the warehouse queries of the dashboards. */
  async function render(dashboards = DASHBOARDS) {
    const wh = await openWarehouse(dir, { readOnly: true });
    const asked: string[] = [];
    const counting = {
      ...wh,
      rows: <T extends Record<string, unknown>>(sql: string) => {
        asked.push(sql);
        return wh.rows<T>(sql);
      },
    } as typeof wh;
    const cache = new DashboardCache(dashboardCacheDir(dir));
    try {
      const out = await renderDashboards({
        warehouse: counting,
        outDir: join(dir, 'dashboards'),
        cache,
        dashboards,
      });
      const visualSql = new Set(dashboards.flatMap((d) => [d.rangeSql, ...d.visuals.map((v) => v.sql)]));
      return { out, stats: { ...cache.stats }, fromWarehouse: asked.filter((s) => visualSql.has(s)).length };
    } finally {
      wh.close();
    }
  }
  const queries = DASHBOARDS.reduce((n, d) => n + 1 + d.visuals.length, 0);
  // Dashboards sharing a query (the order date range) share its cached result within a render too.
  const distinct = new Set(DASHBOARDS.flatMap((d) => [d.rangeSql, ...d.visuals.map((v) => v.sql)])).size;

  it('an empty warehouse: every chart and table says why it is empty instead of drawing empty axes, every KPI too', async () => {
    // A data folder of its own whose warehouse was set up and never loaded.
    const wh = await openWarehouse(join(dir, 'empty'));
    try {
      await setupWarehouse(wh);
      await renderDashboards({ warehouse: wh, outDir: join(dir, 'empty-dashboards') });
    } finally {
      wh.close();
    }
    for (const d of DASHBOARDS) {
      const html = readFileSync(join(dir, 'empty-dashboards', `${d.id}.html`), 'utf8');
      for (const v of d.visuals) {
        // Some KPIs are counts that are 0 on an empty warehouse (a value, not missing).
        if (v.kind === 'kpi' && !html.includes(`data-kpi="${v.id}" data-value=""`)) continue;
        expect({ visual: v.id, says: html.includes(`data-empty="${v.id}">${emptyText(v)}</p>`) }).toEqual({
          visual: v.id,
          says: true,
        });
        expect(html).not.toContain(`id="v-${v.id}"`);
      }
    }
    const trends = readFileSync(join(dir, 'empty-dashboards', 'trends.html'), 'utf8');
    expect(trends).toContain('No orders in this range.');
    expect(trends).toContain('No revenue in this range.');
  });

  it('a second render answers every dashboard query from the cache, with the same numbers', async () => {
    const first = await render();
    expect(distinct).toBeLessThan(queries);
    expect(first.stats).toEqual({ hits: queries - distinct, misses: distinct });
    expect(first.fromWarehouse).toBe(distinct);
    const second = await render();
    expect(second.stats).toEqual({ hits: queries, misses: 0 });
    expect(second.fromWarehouse).toBe(0);
    expect(second.out.map((d) => [d.id, d.range, d.visuals.map((v) => v.rows)])).toEqual(
      first.out.map((d) => [d.id, d.range, d.visuals.map((v) => v.rows)]),
    );
  });

  it('a warehouse load invalidates every cached result: the new order is on the next render', async () => {
    await render();
    await writeBronze(lake, [
      order('2026-03-02', 'c', 'o3', 700, { receivedAt: '2026-03-04T08:00:00.000Z' }),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-04', to: '2026-03-04' });
    await loadWarehouse({ dataDir: dir, lakeDir: lake, now: () => new Date('2026-03-04T09:00:00Z') });
    const after = await render();
    expect(after.stats).toEqual({ hits: queries - distinct, misses: distinct });
    // The orders KPI counts the new order (a stale cache would still say 2).
    const html = readFileSync(after.out.find((d) => d.id === 'trends')?.file as string, 'utf8');
    expect(html).toContain('data-kpi="orders" data-value="3"');
  });

  it('an entry older than its dashboard TTL is queried again; others stay cached', async () => {
    const short = DASHBOARDS.map((d) => (d.id === 'realtime' ? { ...d, cacheTtlSeconds: 0.05 } : d));
    await render(short);
    await new Promise((r) => setTimeout(r, 120));
    const again = await render(short);
    const realtime = (short.find((d) => d.id === 'realtime')?.visuals.length ?? 0) + 1;
    expect(again.stats).toEqual({ hits: queries - realtime, misses: realtime });
  });
});
