import { cpus } from 'node:os';
import { openDuckDb } from '../src/etl/duckdb';
import { generateBronze } from '../src/sample/bronze-generator';

/** Shared benchmark helpers: the machine line and a timed loop that reports per-second rates. */
export function machine(): { cpu: string; cores: number; node: string } {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
}

export async function timeLoop(
  minMs: number,
  body: () => Promise<number>,
): Promise<{ items: number; ms: number }> {
  // Warm up the JIT and caches first.
  for (let i = 0; i < 20; i++) await body();
  let items = 0;
  const start = performance.now();
  let ms = 0;
  do {
    items += await body();
    ms = performance.now() - start;
  } while (ms < minMs);
  return { items, ms };
}

/** The median of some timings (the middle one, or the mean of the middle two). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * A generated bronze lake (the ETL benches' input): `events` over `days` from `startDate`, made by
 * DuckDB with the benches' settings (2 threads, 3 GB); returns the seconds it took (not counted).
 */
export async function generateLake(
  lakeDir: string,
  o: { events: number; customers: number; days: number; startDate: string },
): Promise<number> {
  const t0 = performance.now();
  const gen = await openDuckDb(':memory:', { threads: 2, memoryLimit: '3GB' });
  try {
    await generateBronze(gen, { lakeDir, ...o });
  } finally {
    gen.close();
  }
  return (performance.now() - t0) / 1000;
}
