import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardCache } from '../src/dashboards/cache';
import { DASHBOARDS } from '../src/dashboards/definitions';
import { WAREHOUSE_TABLES } from '../src/domain/warehouse/model';
import type { Engine } from '../src/etl/duckdb';
import { openWarehouse, refreshReporting, setupWarehouse } from '../src/warehouse/embedded';
import { machine } from './harness';

/**
 * Dashboard queries on the embedded warehouse at scale: C360_BENCH_CUSTOMERS customers (default
 * 1,000,000) and C360_BENCH_ORDERS orders (default 20,000,000) generated with DuckDB straight into
 * the warehouse tables (plus their scores, a type-2 history for 10 % of customers, a day of
 * real-time windows and the load audit), then the reporting tables refilled as a load ends (timed).
 * Each dashboard's queries (its date range and every
 * visual) run 20 times after a warm-up; p95 of the whole dashboard and of its slowest query, on
 * the warehouse and through the query cache.
 */
const REPEAT = 20;

/** Generated values per column type; the named columns get realistic distributions. */
function columnExpr(table: string, name: string, type: string, customers: number): string {
  const special: Record<string, Record<string, string>> = {
    fact_orders: {
      order_key: "concat('shop:', i)",
      order_id: 'CAST(i AS VARCHAR)',
      provider: "'shop'",
      customer_id: `concat('c', i % ${customers})`,
      order_date: "DATE '2024-01-01' + CAST(i % 730 AS INTEGER)",
      ordered_at: "TIMESTAMP '2024-01-01' + to_seconds(CAST(i % 63072000 AS BIGINT))",
      status: "CASE WHEN i % 50 = 0 THEN 'cancelled' ELSE 'paid' END",
      is_revenue: 'i % 50 <> 0',
      currency: "'USD'",
      amount_minor: 'CAST(1000 + (i * 7919) % 20000 AS BIGINT)',
      gross_usd: 'CAST((1000 + (i * 7919) % 20000) / 100.0 AS DECIMAL(18,2))',
      refunded_usd: 'CAST(CASE WHEN i % 40 = 0 THEN 5 ELSE 0 END AS DECIMAL(18,2))',
      net_usd:
        'CAST((1000 + (i * 7919) % 20000) / 100.0 - CASE WHEN i % 40 = 0 THEN 5 ELSE 0 END AS DECIMAL(18,2))',
    },
    dim_customer: {
      customer_key: "concat('c', i, '@')",
      customer_id: "concat('c', i)",
      valid_from: "TIMESTAMP '2024-01-01'",
      valid_to: 'NULL',
      is_current: 'true',
      segment: "(['champions', 'loyal', 'needs_attention', 'at_risk', 'hibernating'])[1 + i % 5]",
      country: "(['US', 'GB', 'DE', 'FR', 'CA'])[1 + i % 5]",
      net_usd: 'CAST((i * 7919) % 200000 / 100.0 AS DECIMAL(18,2))',
      attributes: "'{}'",
    },
    customer_scores: {
      customer_id: "concat('c', i)",
      scored_at: "DATE '2025-12-31'",
      segment: "(['champions', 'loyal', 'needs_attention', 'at_risk'])[1 + i % 4]",
      clv_12m_usd: 'CAST((i * 104729) % 100000 / 100.0 AS DECIMAL(18,2))',
      p_alive: '((i * 31) % 1000) / 1000.0',
      churn_probability: '((i * 17) % 1000) / 1000.0',
      model_version: "'bench'",
    },
    realtime_minute: {
      window_start: "TIMESTAMP '2025-12-24' + to_minutes(CAST(i AS BIGINT))",
      shard_id: "'shardId-000000000000'",
      revenue_minor: '\'{"USD": 1000}\'',
      revenue_usd: 'CAST(10 AS DECIMAL(18,2))',
      customers_capped: 'false',
    },
  };
  const s = special[table]?.[name];
  if (s) return s;
  return (
    {
      varchar: "'x'",
      bigint: 'CAST(i % 100 AS BIGINT)',
      int: 'CAST(i % 100 AS INTEGER)',
      double: '(i % 100) / 100.0',
      boolean: 'false',
      date: "DATE '2024-01-01'",
      timestamp: "TIMESTAMP '2024-01-01'",
      money: 'CAST(1 AS DECIMAL(18,2))',
      super: "'{}'",
    } as Record<string, string>
  )[type] as string;
}

/** An empty warehouse filled with generated customers and orders (seconds it took). */
export async function fillWarehouse(wh: Engine, customers: number, orders: number): Promise<number> {
  await setupWarehouse(wh);
  const t0 = performance.now();
  const fill = async (table: string, rows: number, extra = '') => {
    const t = WAREHOUSE_TABLES.find((x) => x.name === table);
    if (!t) throw new Error(`no warehouse table ${table}`);
    const cols = t.columns.map((c) => columnExpr(table, c.name, c.type, customers));
    await wh.run(
      `INSERT INTO gold.${table} (${t.columns.map((c) => c.name).join(', ')})
       SELECT ${cols.join(', ')} FROM range(${rows}) r(i) ${extra}`,
    );
  };
  await fill('dim_customer', customers);
  // A type-2 history for 10 % of customers: their earlier version, closed when the current opened.
  await wh.run(`INSERT INTO gold.dim_customer SELECT concat(customer_id, '@v0'), customer_id, TIMESTAMP '2023-06-01',
    valid_from, false, 'at_risk', lifecycle_stage, country, first_seen_at, last_seen_at, identity_keys, sources,
    orders, gross_usd, refunds_usd, net_usd, first_order_at, last_order_at, tickets, csat, avg_sentiment, attributes
    FROM gold.dim_customer WHERE hash(customer_id) % 10 = 0`);
  await fill('fact_orders', orders);
  await fill('customer_scores', customers);
  await fill('realtime_minute', 8 * 24 * 60);
  for (const t of ['fact_orders', 'dim_customer', 'customer_scores', 'realtime_minute']) {
    await wh.run(`INSERT INTO gold.load_audit VALUES ('${t}', TIMESTAMP '2026-01-01', NULL, NULL, 1, 1)`);
  }
  return (performance.now() - t0) / 1000;
}

export const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1] as number;

export async function run(): Promise<Record<string, unknown>[]> {
  const customers = Number(process.env.C360_BENCH_CUSTOMERS ?? 1_000_000);
  const orders = Number(process.env.C360_BENCH_ORDERS ?? 20_000_000);
  const dir = await mkdtemp(join(tmpdir(), 'c360-bench-dash-'));
  const out: Record<string, unknown>[] = [];
  try {
    const wh = await openWarehouse(dir);
    try {
      const generatedS = await fillWarehouse(wh, customers, orders);
      // What a load does last: refill the pre-aggregated reporting tables (timed: a load's cost).
      const r0 = performance.now();
      await refreshReporting(wh);
      const refreshS = (performance.now() - r0) / 1000;
      const cache = new DashboardCache(join(dir, 'cache'));
      await cache.open(wh);
      for (const d of DASHBOARDS) {
        const sqls = [d.rangeSql, ...d.visuals.map((v) => v.sql)];
        for (const sql of sqls) await wh.rows(sql); // warm-up
        const totals: number[] = [];
        const perQuery = sqls.map(() => [] as number[]);
        const cached: number[] = [];
        for (let r = 0; r < REPEAT; r++) {
          const start = performance.now();
          for (const [i, sql] of sqls.entries()) {
            const q = performance.now();
            await wh.rows(sql);
            perQuery[i]?.push(performance.now() - q);
          }
          totals.push(performance.now() - start);
          const c = performance.now();
          for (const sql of sqls) await cache.rows(wh, sql, d.cacheTtlSeconds * 1000);
          cached.push(performance.now() - c);
        }
        out.push({
          bench: 'dashboard',
          dashboard: d.id,
          customers,
          orders,
          queries: sqls.length,
          p95_ms: Math.round(p95(totals) * 10) / 10,
          slowest_query_p95_ms: Math.round(Math.max(...perQuery.map(p95)) * 10) / 10,
          cached_p95_ms: Math.round(p95(cached.slice(1)) * 100) / 100,
          goal_ms: 50,
          generated_s: Math.round(generatedS),
          refresh_at_load_s: Math.round(refreshS * 10) / 10,
          machine: machine(),
        });
      }
    } finally {
      wh.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
