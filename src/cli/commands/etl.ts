import { Command, Option } from 'commander';
import { runEtl } from '../../etl/runner';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { parseWith } from '../parse';
import { progressReporter } from '../progress';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function command(): Command {
  return new Command('c360 etl')
    .description(
      'Builds silver and gold from bronze with DuckDB, running sql/pipeline.json (the same SQL files the Glue job ' +
        'runs in AWS). A run processes the events that arrived on the given dates and merges them into the ' +
        'event-date partitions of silver they touch (late events land in their date); sessions are recomputed for ' +
        'the devices and customers the run touched; identity and the other gold tables are rebuilt from silver. ' +
        'Data quality checks run before anything is published: a failed check names itself and leaves the ' +
        'previous output in place.',
    )
    .option('--date <YYYY-MM-DD>', 'one arrival date')
    .option('--from <YYYY-MM-DD>', 'first arrival date')
    .option('--to <YYYY-MM-DD>', 'last arrival date (default: --from)')
    .addOption(new Option('--layer <layer...>', 'build only these layers').choices(['silver', 'gold']))
    .option(
      '--all-keys',
      'recompute the sessions of every device, not only those the run touched (e.g. after restoring a sessions table from a backup)',
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
}

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseWith<{
    date?: string;
    from?: string;
    to?: string;
    layer?: ('silver' | 'gold')[];
    allKeys?: boolean;
    data: string;
  }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const from = o.date ?? o.from;
  const to = o.date ?? o.to ?? o.from;
  if (!from || !to || !DATE.test(from) || !DATE.test(to)) {
    process.stderr.write('c360 etl: give --date YYYY-MM-DD, or --from YYYY-MM-DD [--to YYYY-MM-DD]\n');
    return 2;
  }
  const progress = progressReporter('etl');
  const report = await runEtl({
    lakeDir: localPaths(o.data).lake,
    from,
    to,
    layers: o.layer,
    allKeys: o.allKeys === true,
    onProgress: (m) => progress.line(m),
  });
  progress.done();
  for (const w of report.warnings) {
    process.stderr.write(
      `c360 etl: warning ${w.check}: ${w.failures} row(s)${w.example ? ` (e.g. ${w.example})` : ''} — ${w.rule}\n`,
    );
  }
  process.stdout.write(
    `etl ${from} .. ${to}: ${report.steps.length} steps in ${(report.ms / 1000).toFixed(1)} s\n`,
  );
  return 0;
}
