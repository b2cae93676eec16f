import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepReport } from '../src/etl/plan';
import { runEtl } from '../src/etl/runner';
import { generateLake, machine } from './harness';

/**
 * Bronze → gold wall time for generated events (1M by default; 10M with C360_BENCH_ETL_10M=1).
 * Generation is timed separately and not counted. Peak RSS is the process's high-water mark.
 * Then a daily run over a year of history next to its full rebuild (etl_daily).
 */
/** The three slowest steps of a run, as name:ms. */
const slowest = (steps: StepReport[]) =>
  [...steps]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((s) => `${s.name}:${s.ms}ms`);

export async function run(): Promise<Record<string, unknown>[]> {
  const sizes = [1_000_000, ...(process.env.C360_BENCH_ETL_10M === '1' ? [10_000_000] : [])];
  const out: Record<string, unknown>[] = [];
  for (const events of sizes) {
    const dir = await mkdtemp(join(tmpdir(), 'c360-bench-etl-'));
    const lake = join(dir, 'lake');
    try {
      const genS = await generateLake(lake, {
        events,
        customers: Math.round(events / 40),
        days: 30,
        startDate: '2026-01-01',
      });
      const t0 = performance.now();
      // The ETL's own defaults (memory limit included): what a user's run gets.
      const report = await runEtl({ lakeDir: lake, from: '2026-01-01', to: '2026-01-30', threads: 2 });
      const wall = (performance.now() - t0) / 1000;
      out.push({
        bench: 'etl',
        events,
        bronze_files: report.bronzeFiles,
        wall_s: Number(wall.toFixed(2)),
        events_per_s: Math.round(events / wall),
        bronze_parse_s: Number((report.bronzeMs / 1000).toFixed(2)),
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        generate_s: Number(genS.toFixed(2)),
        slowest_steps: slowest(report.steps),
        ...machine(),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  out.push(await dailyOverAYear());
  return out;
}

/**
 * The daily run next to the full rebuild: 1M events over 365 days of history rebuilt in one run,
 * then one day's run as the schedule does it (that day's arrivals merged into the event-date
 * partitions they touch; identity, sessions and gold rebuilt from silver).
 */
async function dailyOverAYear(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'c360-bench-etl-year-'));
  const lake = join(dir, 'lake');
  try {
    const events = 1_000_000;
    await generateLake(lake, { events, customers: 25_000, days: 365, startDate: '2025-01-01' });
    const opts = { lakeDir: lake, threads: 2 };
    const t0 = performance.now();
    await runEtl({ ...opts, from: '2025-01-01', to: '2025-12-31' });
    const fullS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const day = await runEtl({ ...opts, from: '2025-12-31', to: '2025-12-31' });
    const dayS = (performance.now() - t1) / 1000;
    return {
      bench: 'etl_daily',
      history_days: 365,
      events,
      full_rebuild_s: Number(fullS.toFixed(2)),
      one_day_run_s: Number(dayS.toFixed(2)),
      one_day_silver_s: Number(
        (
          day.steps.filter((s) => s.name.startsWith('silver_')).reduce((sum, s) => sum + s.ms, 0) / 1000
        ).toFixed(2),
      ),
      slowest_steps_one_day: slowest(day.steps),
      ...machine(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
