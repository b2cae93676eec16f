import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { addDays } from '../domain/instant';

/**
 * Completeness of a run's input: every source that delivered in the week before the run's first
 * day is expected to have bronze data for each day of the run (arrival partitions); the run reports
 * how many (source, day) partitions were expected and how many are present (the completeness SLO;
 * the Glue script computes the same from the S3 listing).
 */
export interface Completeness {
  expected: number;
  present: number;
  missing: { source: string; dt: string }[];
}

export function completeness(dtsBySource: Map<string, Set<string>>, from: string, to: string): Completeness {
  const weekBefore = [...Array(7)].map((_, i) => addDays(from, -(i + 1)));
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  const out: Completeness = { expected: 0, present: 0, missing: [] };
  for (const [source, dts] of [...dtsBySource].sort(([a], [b]) => a.localeCompare(b))) {
    if (!weekBefore.some((d) => dts.has(d))) continue;
    for (const dt of days) {
      out.expected++;
      if (dts.has(dt)) out.present++;
      else out.missing.push({ source, dt });
    }
  }
  return out;
}

/** bronze/events/source=S/event_type=T/dt=D → S → {D}. */
export async function bronzePartitions(lakeDir: string): Promise<Map<string, Set<string>>> {
  const root = join(lakeDir, 'bronze', 'events');
  const out = new Map<string, Set<string>>();
  const list = async (d: string) => readdir(d).catch(() => [] as string[]);
  for (const s of await list(root)) {
    if (!s.startsWith('source=')) continue;
    const dts = new Set<string>();
    for (const t of await list(join(root, s)))
      for (const dt of await list(join(root, s, t))) if (dt.startsWith('dt=')) dts.add(dt.slice(3));
    out.set(s.slice(7), dts);
  }
  return out;
}
