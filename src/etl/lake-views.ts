import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Engine, lit, openDuckDb } from './duckdb';
import { bronzeFiles } from './runner';

/**
 * Athena's role embedded: a query over the lake's gold schema (as if run in the gold Glue
 * database) written to a CSV file, with the COPY options the caller's Athena output calls for.
 */
export async function copyGoldQuery(
  lakeDir: string,
  sql: string,
  file: string,
  options: string,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const engine = await openDuckDb();
  try {
    await registerLakeViews(engine, lakeDir);
    await engine.run('USE gold');
    await engine.run(`COPY (${sql}) TO ${lit(file)} (${options})`);
  } finally {
    engine.close();
  }
}

/**
 * Registers the lake as schemas for ad-hoc SQL (Athena's role embedded): bronze.events,
 * quarantine.events, silver.<table>, gold.<table>, all read in place. A bronze line the engine
 * cannot read is skipped by bronze.events (ignore_errors) rather than failing every query over
 * its day: the ETL parks such lines in quarantine with the reason (src/etl/salvage.ts).
 */
export async function registerLakeViews(engine: Engine, lakeDir: string): Promise<string[]> {
  const names: string[] = [];
  for (const schema of ['bronze', 'quarantine', 'silver', 'gold'])
    await engine.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const files = await bronzeFiles(lakeDir);
  if (files.length > 0) {
    await engine.run(
      `CREATE OR REPLACE VIEW bronze.events AS SELECT * FROM read_json(${lit(`${lakeDir}/bronze/events/*/*/*/*/*.ndjson.gz`)}, format = 'newline_delimited', hive_partitioning = false, union_by_name = true, ignore_errors = true)`,
    );
    names.push('bronze.events');
  }
  if (existsSync(join(lakeDir, 'quarantine'))) {
    await engine.run(
      `CREATE OR REPLACE VIEW quarantine.events AS SELECT * FROM read_json(${lit(`${lakeDir}/quarantine/*/*/*.ndjson.gz`)}, format = 'newline_delimited', hive_partitioning = true, union_by_name = true)`,
    );
    names.push('quarantine.events');
  }
  for (const layer of ['silver', 'gold']) {
    const dir = join(lakeDir, layer);
    if (!existsSync(dir)) continue;
    for (const table of readdirSync(dir)) {
      const tdir = join(dir, table);
      const partitioned = readdirSync(tdir).some((d) => d.startsWith('dt='));
      const src = partitioned
        ? `read_parquet(${lit(`${tdir}/*/*.parquet`)}, hive_partitioning = true, hive_types = {'dt': VARCHAR}, union_by_name = true)`
        : `read_parquet(${lit(join(tdir, 'data.parquet'))})`;
      if (!partitioned && !existsSync(join(tdir, 'data.parquet'))) continue;
      await engine.run(`CREATE OR REPLACE VIEW ${layer}.${table} AS SELECT * FROM ${src}`);
      names.push(`${layer}.${table}`);
    }
  }
  return names;
}
