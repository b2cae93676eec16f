import { Command, Option } from 'commander';
import { openDuckDb } from '../../etl/duckdb';
import { registerLakeViews } from '../../etl/lake-views';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { openWarehouse } from '../../warehouse/embedded';
import { parseWith } from '../parse';

/** The --format option every command that prints rows shares. */
export const formatOption = () =>
  new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table');

export function formatRows(rows: Record<string, unknown>[], format: string): string {
  if (format === 'json') return `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
  const cols = rows[0] ? Object.keys(rows[0]) : [];
  const cell = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (format === 'csv') {
    const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    return `${[cols.map(esc).join(','), ...rows.map((r) => cols.map((c) => esc(cell(r[c]))).join(','))].join('\n')}\n`;
  }
  if (cols.length === 0) return '(no rows)\n';
  const widths = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) =>
    vals.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i] ?? 0)).join(' │ ');
  return `${[line(cols), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 query')
    .description(
      "Ad-hoc SQL over the local lake (Athena's role, embedded): bronze.events, quarantine.events, silver.events, " +
        'silver.identity_map, silver.sessions, gold.dim_customer, gold.fact_orders, gold.kpi_daily, gold.customer_rfm, ' +
        'gold.customer_features, ...',
    )
    .argument('<sql...>', 'the query, e.g. "SELECT segment, count(*) FROM gold.customer_rfm GROUP BY 1"')
    .addOption(formatOption())
    .option('--warehouse', 'query the embedded warehouse (gold.*, reporting.*) instead of the lake')
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ format: string; data: string; warehouse?: boolean }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const { format, data } = parsed.opts;
  const sql = parsed.args.join(' ').trim();
  if (parsed.opts.warehouse) {
    const wh = await openWarehouse(data, { readOnly: true });
    try {
      process.stdout.write(formatRows(await wh.rows(sql), format));
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
    const rows = await engine.rows(sql);
    process.stdout.write(formatRows(rows, format));
    return 0;
  } finally {
    engine.close();
  }
}
