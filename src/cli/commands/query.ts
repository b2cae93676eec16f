import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { confineFiles, type Engine, lit, openDuckDb } from '../../etl/duckdb';
import { registerLakeViews } from '../../etl/lake-views';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { openWarehouse } from '../../warehouse/embedded';
import { formatRows } from '../format';
import { parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 query')
    .description(
      "Ad-hoc SQL over the local lake (Athena's role, embedded): bronze.events, quarantine.events, silver.events, " +
        'silver.identity_map, silver.sessions, gold.dim_customer, gold.fact_orders, gold.kpi_daily, gold.customer_rfm, ' +
        'gold.customer_features, ... Read-only: SELECT and EXPLAIN only (change data with c360 etl, warehouse load ' +
        'or forget); the query reads the lake folder and nothing else on disk (the vault, state and stream stay out ' +
        'of reach); the only file it writes is --out. With --warehouse the warehouse is opened read-only.',
    )
    .argument('<sql...>', 'the query, e.g. "SELECT segment, count(*) FROM gold.customer_rfm GROUP BY 1"')
    .addOption(
      new Option('--format <format>', 'output format (parquet needs --out)')
        .choices(['table', 'csv', 'json', 'parquet'])
        .default('table'),
    )
    .option('--out <file>', 'write the result to this file instead of printing it (csv, json or parquet)')
    .option('--warehouse', 'query the embedded warehouse (gold.*, reporting.*) instead of the lake')
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ format: string; data: string; warehouse?: boolean; out?: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const { format, data, out } = parsed.opts;
  const sql = parsed.args.join(' ').trim();
  if (format === 'parquet' && !out) {
    process.stderr.write('c360 query: --format parquet writes a file: add --out FILE.parquet\n');
    return 2;
  }
  const outFile = out ? resolve(out) : undefined;
  /** Read-only and confined: only a SELECT or EXPLAIN runs, reading `readable` and writing --out. */
  const guard = async (engine: Engine, readable: string[]): Promise<string | null> => {
    let kinds: string[];
    try {
      kinds = await engine.statementKinds(sql);
    } catch (err) {
      return `the query cannot run: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    }
    const refused = kinds.filter((k) => k !== 'SELECT' && k !== 'EXPLAIN');
    if (kinds.length === 0) return 'no statement to run';
    if (refused.length)
      return `only SELECT and EXPLAIN run here (got ${refused.join(', ')}): change data with c360 etl, c360 warehouse load or c360 forget`;
    await confineFiles(engine, { directories: readable, ...(outFile ? { paths: [outFile] } : {}) });
    return null;
  };
  /** Prints the rows, or exports them: DuckDB's COPY writes CSV, JSON lines or Parquet itself. */
  const emit = async (engine: Engine) => {
    if (!out) {
      process.stdout.write(formatRows(await engine.rows(sql), format));
      return;
    }
    const fmt = format === 'parquet' ? 'parquet' : format === 'json' ? 'json' : 'csv';
    await engine.run(
      `COPY (${sql.replace(/;\s*$/, '')}) TO ${lit(outFile as string)} (FORMAT ${fmt}${fmt === 'csv' ? ', HEADER' : ''})`,
    );
    const [n] = await engine.rows<{ n: string }>(
      `SELECT count(*) AS n FROM ${fmt === 'parquet' ? 'read_parquet' : fmt === 'json' ? 'read_json_auto' : 'read_csv_auto'}(${lit(outFile as string)})`,
    );
    process.stdout.write(`wrote ${n?.n ?? 0} row(s) to ${out} (${fmt})\n`);
  };
  const refuse = (why: string) => {
    process.stderr.write(`c360 query: ${why}\n`);
    return 2;
  };
  if (parsed.opts.warehouse) {
    const wh = await openWarehouse(data, { locked: true });
    try {
      const why = await guard(wh, []);
      if (why) return refuse(why);
      await emit(wh);
      return 0;
    } finally {
      wh.close();
    }
  }
  const engine = await openDuckDb();
  try {
    const lake = localPaths(data).lake;
    const tables = await registerLakeViews(engine, lake);
    if (tables.length === 0) {
      process.stderr.write(
        `c360 query: the lake under ${lake} is empty; run "npm start" (the demo) or "c360 etl" first, or point elsewhere with --data DIR\n`,
      );
      return 1;
    }
    const why = await guard(engine, [resolve(lake)]);
    if (why) return refuse(why);
    await emit(engine);
    return 0;
  } finally {
    engine.close();
  }
}
