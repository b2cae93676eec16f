import { parseArgs } from 'node:util';
import { runEtl } from '../../etl/runner';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';

const HELP = `usage: c360 etl (--date YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD) [--layer silver|gold] [--data DIR]

Builds silver and gold from bronze with DuckDB, running sql/pipeline.json (the same SQL files the
Glue job runs in AWS). Silver partitions of the given dates are rewritten; identity, sessions and
gold tables are rebuilt from silver. Data quality checks stop the run with the check's name.
Rerunning a date is safe (idempotent) and picks up late data that arrived for it.
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      date: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      layer: { type: 'string', multiple: true },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const from = values.date ?? values.from;
  const to = values.date ?? values.to ?? values.from;
  if (!from || !to) {
    process.stderr.write(`c360 etl: give --date D or --from D --to D\n\n${HELP}`);
    return 2;
  }
  const layers = values.layer as ('silver' | 'gold')[] | undefined;
  if (layers?.some((l) => l !== 'silver' && l !== 'gold')) {
    process.stderr.write('c360 etl: --layer is silver or gold\n');
    return 2;
  }
  const report = await runEtl({
    lakeDir: localPaths(values.data).lake,
    from,
    to,
    layers,
    onProgress: (m) => process.stderr.write(`etl: ${m}\n`),
  });
  process.stdout.write(
    `etl ${from} .. ${to}: ${report.steps.length} steps in ${(report.ms / 1000).toFixed(1)} s\n`,
  );
  return 0;
}
