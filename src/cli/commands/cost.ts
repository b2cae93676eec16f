import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { yamlParse } from 'yaml-cfn';
import { COST_VOLUMES, costComparison, estimateCost, type PriceTable } from '../../domain/cost';
import { projectRoot } from '../../paths';
import { loadRetention } from '../../runtime/retention';
import { formatRows } from '../format';
import { intOption, parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 cost')
    .description(
      'Estimates the monthly AWS cost and the cost per million events of the deployed configuration: ' +
        "template.yaml's resources and parameters, config/retention.json, and the dated price table and workload " +
        'figures of config/prices.json (list prices, us-east-1, named sources; check them before quoting). ' +
        'Without --events-per-day: 1M, 10M, 100M and 1B events a day side by side.',
    )
    .addOption(
      new Option('--events-per-day <n>', 'one volume, component by component with its basis').argParser(
        intOption('--events-per-day', 1, 1_000_000_000_000),
      ),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    );
  const parsed = parseWith<{ eventsPerDay?: number; format: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const root = projectRoot();
  const template = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as Record<string, unknown>;
  const retention = loadRetention(root).layers;
  const prices = JSON.parse(readFileSync(join(root, 'config', 'prices.json'), 'utf8')) as PriceTable;
  if (o.eventsPerDay === undefined) {
    const estimates = COST_VOLUMES.map((n) => estimateCost(template, retention, prices, n));
    if (o.format === 'json') process.stdout.write(`${JSON.stringify(estimates, null, 2)}\n`);
    else process.stdout.write(formatRows(costComparison(estimates), o.format));
    if (o.format === 'table')
      process.stdout.write(
        `monthly USD (prices as of ${prices.asOf}, ${prices.region}); one volume's basis: c360 cost --events-per-day N\n`,
      );
    return 0;
  }
  const estimate = estimateCost(template, retention, prices, o.eventsPerDay);
  if (o.format === 'json') {
    process.stdout.write(`${JSON.stringify(estimate, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(formatRows(estimate.components as unknown as Record<string, unknown>[], o.format));
  if (o.format === 'table')
    process.stdout.write(
      `total $${estimate.monthly_usd.toFixed(2)} a month for ${estimate.events_per_day} events a day: $${estimate.per_million_events.toFixed(2)} per million events (prices as of ${estimate.prices_as_of}, ${estimate.region})\n`,
    );
  return 0;
}
