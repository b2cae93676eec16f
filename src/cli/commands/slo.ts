import { existsSync, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { evaluateSlos, loadSlos, observationsFromEmf } from '../../domain/slo';
import { projectRoot } from '../../paths';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { formatRows } from '../format';
import { parseWith } from '../parse';

const pct = (v: number | null, digits = 2) => (v === null ? 'no data' : `${(v * 100).toFixed(digits)} %`);

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 slo')
    .description(
      'Evaluates the service level objectives of config/slos.json (the same ones the CloudWatch burn-rate alarms ' +
        'are generated from) on the metrics the embedded runtime kept (DIR/metrics/emf.ndjson): each SLI with its ' +
        'target, value, compliance, error budget left and burn rate per alarm window. Exits 1 when a page ' +
        "condition holds (a fast burn over both of a rule's windows), 0 otherwise.",
    )
    .addOption(
      new Option('--window <w>', "the SLI window (default: each SLO's own, 30d)").choices([
        '1h',
        '1d',
        '7d',
        '30d',
      ]),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ window?: string; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const file = localPaths(o.data).metrics;
  if (!existsSync(file)) {
    process.stderr.write(
      `c360 slo: no metrics under ${o.data} yet (${file}): run "npm start" or "c360 serve" first\n`,
    );
    return 2;
  }
  const report = evaluateSlos(
    loadSlos(projectRoot()),
    observationsFromEmf(readFileSync(file, 'utf8')),
    Date.now(),
    o.window,
  );
  if (o.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else
    process.stdout.write(
      formatRows(
        report.map((r) => ({
          slo: r.name,
          window: r.window,
          target: pct(r.target, 1),
          value: pct(r.value, 3),
          compliant: r.compliant === null ? 'no data' : r.compliant ? 'yes' : 'NO',
          budget_left: pct(r.budget_left, 1),
          ...Object.fromEntries(
            Object.entries(r.burn).map(([w, b]) => [`burn_${w}`, b === null ? '-' : b.toFixed(2)]),
          ),
          alert: r.alert ?? '',
        })),
        o.format,
      ),
    );
  const paging = report.filter((r) => r.alert === 'page');
  if (paging.length) {
    process.stderr.write(
      `c360 slo: fast burn on ${paging.map((r) => r.name).join(', ')}: see docs/operations.md for the runbook\n`,
    );
    return 1;
  }
  return 0;
}
