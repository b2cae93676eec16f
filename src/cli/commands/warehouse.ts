import { Command } from 'commander';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { loadWarehouse } from '../../warehouse/embedded';
import { reconcileLakeWarehouse } from '../../warehouse/reconcile';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';
import { progressReporter } from '../progress';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 warehouse')
    .description(
      "Loads gold into the embedded warehouse (Redshift's role: DIR/warehouse/c360.duckdb) with the table model " +
        'and merge statements the Redshift loader uses: each table is staged, then merged on its key in one ' +
        'transaction (dim_customer keeps type-2 history of segment, lifecycle stage and country). No dates: ' +
        'everything in gold; --date/--from/--to: only rows of those days in the dated facts. Loading twice ' +
        'changes nothing. Each load ends by refilling the pre-aggregated reporting tables the dashboards read ' +
        '(sql/warehouse/reporting/, the files marked -- materialized:) in one transaction. Query it with: ' +
        'c360 query --warehouse "SELECT * FROM reporting.kpis". reconcile: every day of the gold facts that keep ' +
        'history past silver, lake against warehouse (exit 1 when a day differs, listing only those; --all lists every day).',
    )
    .argument('<action>', 'load | reconcile')
    .option('--all', 'reconcile: list the days that agree too')
    .option('--date <YYYY-MM-DD>', 'one day')
    .option('--from <YYYY-MM-DD>', 'first day')
    .option('--to <YYYY-MM-DD>', 'last day (default: --from)')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{
    date?: string;
    from?: string;
    to?: string;
    all?: boolean;
    format: string;
    data: string;
  }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  if (parsed.args[0] === 'reconcile') {
    const rows = await reconcileLakeWarehouse({ dataDir: o.data, lakeDir: localPaths(o.data).lake });
    const diverged = rows.filter((r) => !r.agrees);
    process.stdout.write(
      formatRows(
        (o.all ? rows : diverged).map((r) => ({ ...r })),
        o.format,
      ),
    );
    if (diverged.length) {
      process.stderr.write(
        `c360 warehouse: ${diverged.length} table-day(s) differ between the lake and the warehouse: reload them (c360 warehouse load --date D), or rebuild gold (c360 etl) if the lake lost them\n`,
      );
      return 1;
    }
    process.stderr.write(
      `c360 warehouse: the lake and the warehouse agree on all ${rows.length} table-days\n`,
    );
    return 0;
  }
  if (parsed.args[0] !== 'load') {
    process.stderr.write(
      `c360 warehouse: unknown action "${parsed.args[0]}" (use: c360 warehouse load | reconcile)\n`,
    );
    return 2;
  }
  const from = o.date ?? o.from;
  const to = o.date ?? o.to ?? o.from;
  if ((from && !DATE.test(from)) || (to && !DATE.test(to))) {
    process.stderr.write('c360 warehouse: dates are YYYY-MM-DD\n');
    return 2;
  }
  const progress = progressReporter('warehouse');
  const report = await loadWarehouse({
    dataDir: o.data,
    lakeDir: localPaths(o.data).lake,
    ...(from && to ? { from, to } : {}),
    onProgress: (m) => progress.line(m),
  });
  progress.done();
  process.stdout.write(
    formatRows(
      report.tables.map((t) => ({
        table: `gold.${t.table}`,
        rows_loaded: t.rowsLoaded,
        rows_in_table: t.rowsInTable,
      })),
      o.format,
    ),
  );
  return 0;
}
