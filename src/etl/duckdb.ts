import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * The embedded SQL engine (DuckDB) with the few Spark SQL functions c360's SQL uses that DuckDB
 * names differently, defined as macros. The SQL files are written in that Spark-compatible
 * subset (sql/README.md), so Glue runs them unchanged.
 */
export const SPARK_COMPAT_MACROS = [
  'CREATE OR REPLACE MACRO unix_timestamp(t) AS epoch(CAST(t AS TIMESTAMP))',
  'CREATE OR REPLACE MACRO get_json_object(j, p) AS json_extract_string(j, p)',
];

export interface Engine {
  run(sql: string): Promise<void>;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): void;
}

export async function openDuckDb(
  path = ':memory:',
  opts: { threads?: number; memoryLimit?: string } = {},
): Promise<Engine> {
  const instance = await DuckDBInstance.create(path, {
    threads: String(opts.threads ?? 2),
    memory_limit: opts.memoryLimit ?? '3GB',
    preserve_insertion_order: 'false',
    // Spill to the OS temp folder, not the working directory.
    temp_directory: join(tmpdir(), 'c360-duckdb-spill'),
  });
  const conn: DuckDBConnection = await instance.connect();
  // Timestamps are UTC whatever the host's zone (the Glue job pins spark.sql.session.timeZone too).
  await conn.run("SET TimeZone = 'UTC'");
  for (const m of SPARK_COMPAT_MACROS) await conn.run(m);
  return {
    run: async (sql) => {
      await conn.run(sql);
    },
    rows: async <T>(sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as unknown as T[],
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs `work` in one transaction: committed when it resolves, rolled back (the error rethrown) when it throws. */
export async function inTransaction<T>(engine: Engine, work: () => Promise<T>): Promise<T> {
  await engine.run('BEGIN TRANSACTION');
  try {
    const out = await work();
    await engine.run('COMMIT');
    return out;
  } catch (err) {
    await engine.run('ROLLBACK');
    throw err;
  }
}

/** SQL string literal. */
export { lit } from '../domain/sql';
