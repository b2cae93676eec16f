import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { replaceFile } from '../adapters/local/files';
import type { QuarantineRecord } from '../domain/event';
import { quarantinePrefix } from '../domain/partition';
import type { Engine } from './duckdb';

/**
 * No single record may stop a day (issue 26, defect 1). When the engine refuses the run's bronze
 * (a line its JSON reader cannot take: a lone surrogate written by an older build, a value of the
 * wrong type, a line past its size limit), the files it refuses are split until the unreadable
 * lines are isolated: those are parked in quarantine (`reason=parse_error`, the engine's message
 * and the file and line in the detail, the line itself as the original: bronze holds no clear
 * personal data), and the run reads the rest. Bronze itself is never rewritten. The quarantine
 * file is named after the bronze file, so a rerun parks the same lines once.
 */
export interface Salvaged {
  /** The files to read: readable ones as they are, refused ones replaced by their readable lines. */
  files: string[];
  /** Lines parked in quarantine. */
  parked: number;
}

export async function salvageBronze(opts: {
  engine: Engine;
  files: string[];
  /** The engine's read of a list of files (the same reader and columns the run uses). */
  read: (files: string[]) => string;
  workDir: string;
  lakeDir: string;
  now: Date;
}): Promise<Salvaged> {
  const readable = async (files: string[]): Promise<string | null> => {
    try {
      // Every column converted, as the run's read does (a count alone would skip the conversions).
      await opts.engine.run(
        `CREATE OR REPLACE TEMP TABLE salvage_probe AS SELECT * FROM ${opts.read(files)}`,
      );
      await opts.engine.run('DROP TABLE salvage_probe');
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };
  await mkdir(opts.workDir, { recursive: true });
  const out: string[] = [];
  let parked = 0;
  let n = 0;
  for (const file of opts.files) {
    if ((await readable([file])) === null) {
      out.push(file);
      continue;
    }
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const good: string[] = [];
    const bad: { index: number; error: string }[] = [];
    // Halves until each refused part is one line: a few reads per bad line, not one per line.
    const probe = async (from: number, to: number): Promise<void> => {
      const part = lines.slice(from, to).filter(Boolean);
      if (part.length === 0) return;
      const tmp = join(opts.workDir, `probe-${n++}.ndjson`);
      await writeFile(tmp, `${part.join('\n')}\n`);
      const error = await readable([tmp]);
      if (error === null) good.push(...part);
      else if (to - from === 1) bad.push({ index: from, error });
      else {
        const mid = from + Math.floor((to - from) / 2);
        await probe(from, mid);
        await probe(mid, to);
      }
    };
    await probe(0, lines.length);
    if (good.length) {
      const kept = join(opts.workDir, `salvaged-${n++}.ndjson`);
      await writeFile(kept, `${good.join('\n')}\n`);
      out.push(kept);
    }
    if (bad.length) {
      const at = opts.now.toISOString();
      const where = relative(opts.lakeDir, file);
      const records: QuarantineRecord[] = bad.map(({ index, error }) => ({
        reason: 'parse_error',
        detail: `the ETL engine cannot read line ${index + 1} of ${where}: ${error.split('\n')[0]}`,
        source: /source=([^/]+)/.exec(where)?.[1] ?? null,
        receivedAt: at,
        quarantinedAt: at,
        original: lines[index] as string,
      }));
      const dir = join(opts.lakeDir, quarantinePrefix({ reason: 'parse_error', dt: at.slice(0, 10) }));
      await mkdir(dir, { recursive: true });
      const name = `part-etl-${createHash('sha256').update(where).digest('hex').slice(0, 16)}.ndjson.gz`;
      await replaceFile(
        join(dir, name),
        gzipSync(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`),
        0o644,
      );
      parked += bad.length;
    }
  }
  return { files: out, parked };
}
