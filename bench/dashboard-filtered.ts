import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EXPLORE_DASHBOARDS,
  filterChoices,
  latestDay,
  parseFilters,
  RANGE_PRESETS,
  setOf,
  visualSql,
} from '../src/dashboards/explore';
import { openWarehouse, refreshReporting } from '../src/warehouse/embedded';
import { fillWarehouse, p95 } from './dashboard';
import { machine } from './harness';

/**
 * The served dashboards under filters (`dashboard_filtered`): the warehouse of the dashboard bench
 * (C360_BENCH_CUSTOMERS, default 1,000,000 customers; C360_BENCH_ORDERS, default 20,000,000
 * orders over two years), its orders in date order as daily loads leave them, then
 * C360_BENCH_FILTER_SETS (default 60) random filter combinations (a range preset or a custom range,
 * and each categorical filter of the dashboard with a chance of 35 %), every visual of the explore
 * dashboards over orders and customers queried uncached under each: p95 per visual, against the goal of 200 ms.
 */
export async function run(): Promise<Record<string, unknown>[]> {
  const customers = Number(process.env.C360_BENCH_CUSTOMERS ?? 1_000_000);
  const orders = Number(process.env.C360_BENCH_ORDERS ?? 20_000_000);
  const sets = Number(process.env.C360_BENCH_FILTER_SETS ?? 60);
  const dir = await mkdtemp(join(tmpdir(), 'c360-bench-filtered-'));
  const out: Record<string, unknown>[] = [];
  // A fixed sequence (mulberry32), so two runs ask the same questions.
  let seed = 20261203;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  try {
    const wh = await openWarehouse(dir);
    try {
      const generatedS = await fillWarehouse(wh, customers, orders);
      // Loads arrive day by day: the orders table is in date order (its sort key), as they leave it.
      await wh.run(
        'CREATE TABLE gold.fact_orders_sorted AS SELECT * FROM gold.fact_orders ORDER BY order_date, customer_id',
      );
      await wh.run('DELETE FROM gold.fact_orders');
      await wh.run('INSERT INTO gold.fact_orders SELECT * FROM gold.fact_orders_sorted');
      await wh.run('DROP TABLE gold.fact_orders_sorted');
      await refreshReporting(wh);
      const presets = Object.keys(RANGE_PRESETS).filter((p) => p !== 'custom');
      // The dashboards over the big views (orders, customers); the others read small daily tables.
      for (const d of EXPLORE_DASHBOARDS.filter((x) => x.set === 'orders' || x.set === 'customers')) {
        const set = setOf(d);
        const latest = (await latestDay(wh, set)) as string;
        const values = await filterChoices(wh, set);
        const times = new Map(d.visuals.map((v) => [v.id, [] as number[]]));
        for (let i = 0; i < sets; i++) {
          const q = new URLSearchParams();
          if (random() < 0.2) {
            const from = new Date(
              Date.parse(`${latest}T00:00:00Z`) - Math.floor(random() * 700) * 86_400_000,
            );
            q.set('range', 'custom');
            q.set('from', from.toISOString().slice(0, 10));
            q.set(
              'to',
              new Date(from.getTime() + Math.floor(random() * 60) * 86_400_000).toISOString().slice(0, 10),
            );
          } else q.set('range', pick(presets));
          for (const c of set.categories)
            if (random() < 0.35 && values[c.name]?.length) q.set(c.name, pick(values[c.name] as string[]));
          const f = parseFilters(q, set, latest, latest);
          for (const v of d.visuals) {
            const t = performance.now();
            await wh.rows(visualSql(v, f, set));
            times.get(v.id)?.push(performance.now() - t);
          }
        }
        const perVisual = Object.fromEntries(
          [...times].map(([id, xs]) => [id, Math.round(p95(xs) * 10) / 10]),
        );
        out.push({
          bench: 'dashboard_filtered',
          dashboard: d.id,
          customers,
          orders,
          filter_sets: sets,
          p95_ms: Math.max(...Object.values(perVisual)),
          p95_ms_per_visual: perVisual,
          goal_ms: 200,
          generated_s: Math.round(generatedS),
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
