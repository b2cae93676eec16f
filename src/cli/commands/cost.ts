import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { yamlParse } from 'yaml-cfn';
import { COST_VOLUMES, costComparison, estimateCost, type PriceTable } from '../../domain/cost';
import { projectRoot } from '../../paths';
import { loadRetention } from '../../runtime/retention';
import { formatRows } from '../format';
import { intOption, parseWith } from '../parse';

interface Profile {
  description: string;
  trigger: string;
  parameters: Record<string, string | number>;
}

/** The deploy profiles (config/profiles.json). */
export function loadProfiles(root: string): Record<string, Profile> {
  return (
    JSON.parse(readFileSync(join(root, 'config', 'profiles.json'), 'utf8')) as {
      profiles: Record<string, Profile>;
    }
  ).profiles;
}

/** The churn endpoint's serverless memory, from the training state machine that creates it. */
function endpointMemoryMb(root: string): number | undefined {
  const asl = JSON.parse(readFileSync(join(root, 'statemachines', 'train.asl.json'), 'utf8')) as {
    States: Record<
      string,
      { Parameters?: { ProductionVariants?: { ServerlessConfig?: { MemorySizeInMB?: number } }[] } }
    >;
  };
  return asl.States.CreateEndpointConfig?.Parameters?.ProductionVariants?.[0]?.ServerlessConfig
    ?.MemorySizeInMB;
}

const overridesOf = (p: Profile) =>
  Object.entries(p.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

export async function run(argv: string[]): Promise<number> {
  const root = projectRoot();
  const profiles = loadProfiles(root);
  const cmd = new Command('c360 cost')
    .description(
      'Estimates the monthly AWS cost and the cost per million events of the deployed configuration: ' +
        "template.yaml's resources and parameters under each deploy profile (config/profiles.json), config/retention.json, " +
        'and the dated price table and workload figures of config/prices.json (list prices, us-east-1, named sources; ' +
        'check them before quoting). Without --events-per-day: 1M, 10M, 100M and 1B events a day side by side.',
    )
    .addOption(
      new Option('--events-per-day <n>', 'one volume, component by component with its basis').argParser(
        intOption('--events-per-day', 1, 1_000_000_000_000),
      ),
    )
    .addOption(
      new Option('--profile <name>', 'one deploy profile (default: each)').choices(Object.keys(profiles)),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    );
  const parsed = parseWith<{ eventsPerDay?: number; profile?: string; format: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const template = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as Record<string, unknown>;
  const retention = loadRetention(root).layers;
  const prices = JSON.parse(readFileSync(join(root, 'config', 'prices.json'), 'utf8')) as PriceTable;
  const memory = endpointMemoryMb(root);
  const chosen = o.profile ? [o.profile] : Object.keys(profiles);
  const estimate = (profile: string, n: number) =>
    estimateCost(template, retention, prices, n, {
      parameters: (profiles[profile] as Profile).parameters,
      ...(memory ? { endpointMemoryMb: memory } : {}),
    });
  const heading = (name: string) => {
    const p = profiles[name] as Profile;
    return `profile ${name}: ${p.description}
  deploy: sam deploy --parameter-overrides "Stage=<stage> ${overridesOf(p)}"
  next: ${p.trigger}
`;
  };

  if (o.eventsPerDay === undefined) {
    const byProfile = chosen.map((name) => ({
      profile: name,
      estimates: COST_VOLUMES.map((n) => estimate(name, n)),
    }));
    if (o.format === 'json') process.stdout.write(`${JSON.stringify(byProfile, null, 2)}\n`);
    else if (o.format === 'csv')
      process.stdout.write(
        formatRows(
          byProfile.flatMap((b) => costComparison(b.estimates).map((r) => ({ profile: b.profile, ...r }))),
          'csv',
        ),
      );
    else {
      for (const b of byProfile)
        process.stdout.write(`${heading(b.profile)}${formatRows(costComparison(b.estimates), 'table')}\n`);
      process.stdout.write(
        `monthly USD (prices as of ${prices.asOf}, ${prices.region}); one volume's basis: c360 cost --events-per-day N [--profile NAME]\n`,
      );
    }
    return 0;
  }
  const n = o.eventsPerDay;
  const estimates = chosen.map((name) => ({ profile: name, ...estimate(name, n) }));
  if (o.format === 'json') {
    process.stdout.write(`${JSON.stringify(o.profile ? estimates[0] : estimates, null, 2)}\n`);
    return 0;
  }
  if (o.format === 'csv') {
    process.stdout.write(
      formatRows(
        estimates.flatMap((e) => e.components.map((c) => ({ profile: e.profile, ...c }))),
        'csv',
      ),
    );
    return 0;
  }
  for (const e of estimates)
    process.stdout.write(
      `${heading(e.profile)}${formatRows(e.components as unknown as Record<string, unknown>[], 'table')}total $${e.monthly_usd.toFixed(2)} a month for ${e.events_per_day} events a day: $${e.per_million_events.toFixed(2)} per million events (prices as of ${e.prices_as_of}, ${e.region})\n\n`,
    );
  return 0;
}
