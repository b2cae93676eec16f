import { parseArgs } from 'node:util';
import { openDuckDb } from '../../etl/duckdb';
import { registerLakeViews } from '../../etl/lake-views';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';

const HELP = `usage: c360 query "SQL" [--format table|csv|json] [--data DIR]

Ad-hoc SQL over the local lake (Athena's role, embedded): tables bronze.events,
quarantine.events, silver.events, silver.identity_map, silver.sessions, gold.dim_customer,
gold.fact_orders, gold.kpi_daily, gold.customer_rfm, gold.customer_features, ...
Example: c360 query "SELECT segment, count(*) FROM gold.customer_rfm GROUP BY 1 ORDER BY 2 DESC"
`;

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
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'table' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const sql = positionals.join(' ').trim();
  if (values.help || !sql) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (!['table', 'csv', 'json'].includes(values.format)) {
    process.stderr.write(`c360 query: --format must be table, csv or json, got "${values.format}"\n`);
    return 2;
  }
  const engine = await openDuckDb();
  try {
    const tables = await registerLakeViews(engine, localPaths(values.data).lake);
    if (tables.length === 0) {
      process.stderr.write(
        `c360 query: the lake under ${values.data} is empty; run "npm start" or "c360 etl" first\n`,
      );
      return 1;
    }
    const rows = await engine.rows(sql);
    process.stdout.write(formatRows(rows, values.format));
    return 0;
  } finally {
    engine.close();
  }
}
