import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api';
import { lit } from '../domain/sql';

/**
 * The embedded SQL engine (DuckDB) with the few Spark SQL functions c360's SQL uses that DuckDB
 * names differently, defined as macros. The SQL files are written in that Spark-compatible
 * subset (sql/README.md), so Glue runs them unchanged.
 */
export const SPARK_COMPAT_MACROS = [
  'CREATE OR REPLACE MACRO unix_timestamp(t) AS epoch(CAST(t AS TIMESTAMP))',
  'CREATE OR REPLACE MACRO get_json_object(j, p) AS json_extract_string(j, p)',
  'CREATE OR REPLACE MACRO collect_list(x) AS list(x)',
  'CREATE OR REPLACE MACRO sort_array(l) AS list_sort(l)',
  'CREATE OR REPLACE MACRO array_join(l, s) AS array_to_string(l, s)',
];

export interface Engine {
  run(sql: string): Promise<void>;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The kind of each statement in `sql` (SELECT, DELETE, COPY …), as DuckDB parses it, without running it. */
  statementKinds(sql: string): Promise<string[]>;
  close(): void;
}

export async function openDuckDb(
  path = ':memory:',
  opts: { threads?: number; memoryLimit?: string; readOnly?: boolean } = {},
): Promise<Engine> {
  const instance = await DuckDBInstance.create(path, {
    ...(opts.readOnly ? { access_mode: 'READ_ONLY' } : {}),
    threads: String(opts.threads ?? 2),
    memory_limit: opts.memoryLimit ?? '3GB',
    preserve_insertion_order: 'false',
    // Spill to the OS temp folder, not the working directory.
    temp_directory: join(tmpdir(), 'c360-duckdb-spill'),
  });
  const conn: DuckDBConnection = await instance.connect();
  // Timestamps are UTC whatever the host's zone (the Glue job pins spark.sql.session.timeZone too).
  await conn.run("SET TimeZone = 'UTC'");
  // A read-only database takes no new objects: the macros then live in the session's temp catalog.
  for (const m of SPARK_COMPAT_MACROS)
    await conn.run(opts.readOnly ? m.replace('CREATE OR REPLACE MACRO', 'CREATE OR REPLACE TEMP MACRO') : m);
  return {
    run: async (sql) => {
      await conn.run(sql);
    },
    rows: async <T>(sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as unknown as T[],
    statementKinds: async (sql) => {
      const extracted = await conn.extractStatements(sql);
      const kinds: string[] = [];
      for (let i = 0; i < extracted.count; i++)
        kinds.push(StatementType[(await extracted.prepare(i)).statementType] ?? 'UNKNOWN');
      return kinds;
    },
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Confines what SQL run on `engine` from now on may touch on disk: only files under
 * `directories` and the exact `paths`, and no setting can be changed back (DuckDB's
 * enable_external_access off, lock_configuration on). Views registered before keep working
 * when they read inside those directories.
 */
export async function confineFiles(
  engine: Engine,
  allowed: { directories?: string[]; paths?: string[] },
): Promise<void> {
  const list = (xs: string[]) => `[${xs.map(lit).join(', ')}]`;
  if (allowed.directories?.length) await engine.run(`SET allowed_directories = ${list(allowed.directories)}`);
  if (allowed.paths?.length) await engine.run(`SET allowed_paths = ${list(allowed.paths)}`);
  await engine.run('SET enable_external_access = false');
  await engine.run('SET lock_configuration = true');
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
