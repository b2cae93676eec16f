import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { lit, openDuckDb } from '../../etl/duckdb';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { formatRows } from '../format';
import { parseWith } from '../parse';

/**
 * `c360 dq`: the rows a row-level data quality rule flagged (gold.dq_row_flags, rebuilt by every
 * ETL run): published as the provider sent them, listed here with the rule and what to do.
 */
export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 dq')
    .description(
      'Lists the rows a row-level data quality rule flagged in the last ETL run (gold.dq_row_flags): the rule, the ' +
        "table and key of the row, why, and the row's date. They were published as sent (a row-level rule never " +
        'holds a day back); docs/operations.md says what to do for each rule. --summary counts them per rule.',
    )
    .option('--check <name>', 'only this rule (refunds_within_amount, money_has_rate)')
    .option('--summary', 'one row per rule: how many rows, first and last day')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ check?: string; summary?: boolean; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const file = join(localPaths(o.data).lake, 'gold', 'dq_row_flags', 'data.parquet');
  if (!existsSync(file)) {
    process.stderr.write(
      `c360 dq: no gold.dq_row_flags under ${o.data}: run "c360 etl" (or "npm start") first\n`,
    );
    return 2;
  }
  const where = o.check ? `WHERE check_name = ${lit(o.check)}` : '';
  const sql = o.summary
    ? `SELECT check_name, table_name, count(*) AS rows_flagged, min(dt) AS first_day, max(dt) AS last_day FROM read_parquet(${lit(file)}) ${where} GROUP BY 1, 2 ORDER BY 1, 2`
    : `SELECT check_name, table_name, row_key, detail, dt FROM read_parquet(${lit(file)}) ${where} ORDER BY check_name, dt, row_key`;
  const engine = await openDuckDb();
  try {
    const rows = await engine.rows<Record<string, unknown>>(sql);
    process.stdout.write(formatRows(rows, o.format));
    return 0;
  } finally {
    engine.close();
  }
}
