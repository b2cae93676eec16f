import { join, relative } from 'node:path';
import { Command } from 'commander';
import { buildReport, type ReportKind, writeReport } from '../../dashboards/reports';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { openWarehouse } from '../../warehouse/embedded';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 report')
    .description(
      'The daily summary (a day against the same weekday a week earlier) or the weekly digest (an ISO week against ' +
        'the one before) from the warehouse, written as HTML and CSV under DIR/reports (or --out) and printed.',
    )
    .argument('<kind>', 'daily or weekly')
    .requiredOption('--date <YYYY-MM-DD>', 'the day (daily) or a day of the week (weekly)')
    .option('--out <dir>', 'where to write the files (default: DIR/reports)')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ date: string; out?: string; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const kind = parsed.args[0];
  if (kind !== 'daily' && kind !== 'weekly') {
    process.stderr.write(`c360 report: the kind is daily or weekly, got "${kind}"\n`);
    return 2;
  }
  const o = parsed.opts;
  const wh = await openWarehouse(o.data, { readOnly: true });
  try {
    const report = await buildReport(wh, kind as ReportKind, o.date);
    const files = await writeReport(report, o.out ?? join(localPaths(o.data).root, 'reports'));
    process.stdout.write(formatRows(report.lines as unknown as Record<string, unknown>[], o.format));
    if (o.format === 'table')
      process.stdout.write(
        `wrote ${relative(process.cwd(), files.html)} and ${relative(process.cwd(), files.csv)}\n`,
      );
  } finally {
    wh.close();
  }
  return 0;
}
