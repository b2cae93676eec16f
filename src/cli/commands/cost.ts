import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { yamlParse } from 'yaml-cfn';
import { estimateCost, type PriceTable } from '../../domain/cost';
import { projectRoot } from '../../paths';
import { loadRetention } from '../../runtime/retention';
import { formatRows } from '../format';
import { intOption, parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 cost')
    .description(
      'Estimates the monthly AWS cost and the cost per million events of the deployed configuration: ' +
        "template.yaml's resources and parameters, config/retention.json, and the dated price table and workload " +
        'figures of config/prices.json (list prices, us-east-1, named sources; check them before quoting).',
    )
    .addOption(
      new Option('--events-per-day <n>', 'events per day')
        .argParser(intOption('--events-per-day', 1, 1_000_000_000_000))
        .default(1_000_000),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    );
  const parsed = parseWith<{ eventsPerDay: number; format: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const root = projectRoot();
  const estimate = estimateCost(
    yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as Record<string, unknown>,
    loadRetention(root).layers,
    JSON.parse(readFileSync(join(root, 'config', 'prices.json'), 'utf8')) as PriceTable,
    o.eventsPerDay,
  );
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
