import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Engine, lit } from '../duckdb';
import type { Staged } from '../publish';

/** Rows of a query. */
export const count = async (engine: Engine, sql: string) =>
  Number((await engine.rows<{ n: string }>(`SELECT count(*) AS n FROM (${sql})`))[0]?.n ?? 0);

/**
 * A partitioned table as stored (Parquet under dt= folders), or an empty view shaped like
 * `template` when nothing is stored yet.
 */
export async function registerStored(
  engine: Engine,
  name: string,
  dir: string,
  template: string,
): Promise<void> {
  const hasFiles = existsSync(dir) && (await readdir(dir)).some((d) => d.startsWith('dt='));
  await engine.run(
    hasFiles
      ? `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM read_parquet(${lit(`${dir}/*/*.parquet`)}, hive_partitioning = true, hive_types = {'dt': VARCHAR}, union_by_name = true)`
      : `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM (${template}) WHERE false`,
  );
}

/** A whole table written to staging (rows in a fixed order: a rerun writes the same file). */
export async function stageTable(
  engine: Engine,
  table: string,
  staging: string,
  path: string,
  target: string,
): Promise<Extract<Staged, { kind: 'file' }>> {
  const staged = join(staging, path, 'data.parquet');
  await mkdir(join(staging, path), { recursive: true });
  await engine.run(`COPY (SELECT * FROM ${table} ORDER BY ALL) TO ${lit(staged)} (FORMAT parquet)`);
  return { kind: 'file', staged, target: join(target, 'data.parquet') };
}

/** A keyed step's SQL version: its own SQL and its touched list's, hashed. */
export function keyedVersion(sql: string, touchedSql: string | undefined): string {
  return createHash('sha256')
    .update(sql)
    .update('\0')
    .update(touchedSql ?? '')
    .digest('hex');
}

/** The leading `--` comment of a SQL file, as one line. */
export function leadingComment(sql: string): string {
  const lines: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    lines.push(line.replace(/^--\s?/, '').trim());
  }
  return lines.join(' ');
}
