import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDb } from '../src/etl/duckdb';
import { runEtl } from '../src/etl/runner';
import { generateBronze } from '../src/sample/bronze-generator';
import { machine } from './harness';

/**
 * Bronze → gold wall time for generated events (1M by default; 10M with C360_BENCH_ETL_10M=1).
 * Generation is timed separately and not counted. Peak RSS is the process's high-water mark.
 */
export async function run(): Promise<Record<string, unknown>[]> {
  const sizes = [1_000_000, ...(process.env.C360_BENCH_ETL_10M === '1' ? [10_000_000] : [])];
  const out: Record<string, unknown>[] = [];
  for (const events of sizes) {
    const dir = await mkdtemp(join(tmpdir(), 'c360-bench-etl-'));
    const lake = join(dir, 'lake');
    try {
      const days = 30;
      const g0 = performance.now();
      const gen = await openDuckDb(':memory:', { threads: 2, memoryLimit: '3GB' });
      await generateBronze(gen, {
        lakeDir: lake,
        events,
        customers: Math.round(events / 40),
        days,
        startDate: '2026-01-01',
      });
      gen.close();
      const genS = (performance.now() - g0) / 1000;
      const t0 = performance.now();
      const report = await runEtl({
        lakeDir: lake,
        from: '2026-01-01',
        to: '2026-01-30',
        threads: 2,
        memoryLimit: '3GB',
      });
      const wall = (performance.now() - t0) / 1000;
      out.push({
        bench: 'etl',
        events,
        bronze_files: report.bronzeFiles,
        wall_s: Number(wall.toFixed(2)),
        events_per_s: Math.round(events / wall),
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        generate_s: Number(genS.toFixed(2)),
        slowest_steps: report.steps
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 3)
          .map((s) => `${s.name}:${s.ms}ms`),
        ...machine(),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}
