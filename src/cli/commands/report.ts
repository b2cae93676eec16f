import { join, relative } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { buildReport, type ReportKind, writeReport } from '../../dashboards/reports';
import { C360Error } from '../../domain/errors';
import { SUBSCRIPTION_FILTERS, type Subscription } from '../../domain/report-subscriptions';
import { deliverReports } from '../../handlers/report-delivery';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import {
  addSubscription,
  localOutbox,
  localSubscriptionsFile,
  removeSubscription,
  subscriptionStatus,
  withLocalReportDeps,
} from '../../runtime/reports';
import { openWarehouse } from '../../warehouse/embedded';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';

const USAGE = `c360 report: one of
  c360 report daily|weekly --date YYYY-MM-DD [--segment S] [--country C] [--source S]
  c360 report subscribe --id ID --kind daily|weekly (--email ADDRESS | --webhook URL --secret S) [filters]
  c360 report subscriptions
  c360 report unsubscribe ID
  c360 report deliver --date YYYY-MM-DD
(run c360 report <one of them> --help)
`;

const day = (v: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new InvalidArgumentError('a date YYYY-MM-DD');
  return v;
};

const withFilters = (cmd: Command) => {
  for (const f of SUBSCRIPTION_FILTERS) cmd.option(`--${f} <value>`, `only orders with this ${f}`);
  return cmd;
};
const filtersOf = (o: Record<string, unknown>) =>
  Object.fromEntries(
    SUBSCRIPTION_FILTERS.filter((f) => typeof o[f] === 'string').map((f) => [f, o[f] as string]),
  );

async function subscribe(argv: string[]): Promise<number> {
  const cmd = withFilters(
    new Command('c360 report subscribe')
      .description(
        'Subscribes an email address or a webhook to the daily summary or the weekly digest, optionally only for some orders; the daily pipeline delivers it after each run (embedded: the mail lands in DIR/outbox, or C360_SMTP_URL).',
      )
      .requiredOption('--id <id>', 'a name for the subscription (letters, digits, _ and -)')
      .requiredOption('--kind <kind>', 'daily or weekly')
      .option('--email <address>', 'send it by email')
      .option('--webhook <url>', 'POST it as signed JSON')
      .option('--secret <secret>', "the webhook's signing secret (16+ characters)"),
  ).option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<Record<string, string> & { data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const filters = filtersOf(o);
  const s = {
    id: o.id,
    report: o.kind,
    ...(Object.keys(filters).length ? { filters } : {}),
    ...(o.email !== undefined ? { email: o.email } : {}),
    ...(o.webhook !== undefined ? { webhook: o.webhook } : {}),
    ...(o.secret !== undefined ? { secret: o.secret } : {}),
  } as Subscription;
  await addSubscription(o.data, s);
  process.stdout.write(
    `subscribed ${s.id}: the ${s.report} report${
      Object.keys(filters).length
        ? ` (${Object.entries(filters)
            .map(([k, v]) => `${k} = ${v}`)
            .join(', ')})`
        : ''
    } to ${s.email ?? s.webhook}, from the next pipeline run (or now: c360 report deliver --date YYYY-MM-DD)\n`,
  );
  return 0;
}

async function subscriptions(argv: string[]): Promise<number> {
  const cmd = new Command('c360 report subscriptions')
    .description('Every report subscription: active or unsubscribed, and the latest report it received.')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const rows = await subscriptionStatus(parsed.opts.data);
  if (!rows.length && parsed.opts.format === 'table') {
    process.stdout.write(
      `no report subscriptions in ${localSubscriptionsFile(parsed.opts.data)}: c360 report subscribe --id ops --kind daily --email you@example.com\n`,
    );
    return 0;
  }
  process.stdout.write(formatRows(rows as unknown as Record<string, unknown>[], parsed.opts.format));
  return 0;
}

async function unsubscribeCmd(argv: string[]): Promise<number> {
  const cmd = new Command('c360 report unsubscribe')
    .description(
      'Removes a subscription (an operator; a reader uses the link in the message, which c360 serve answers).',
    )
    .argument('<id>', 'the subscription')
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const id = parsed.args[0] as string;
  if (!(await removeSubscription(parsed.opts.data, id))) {
    process.stderr.write(
      `c360 report unsubscribe: no subscription ${id} (c360 report subscriptions lists them)\n`,
    );
    return 1;
  }
  process.stdout.write(`removed subscription ${id}\n`);
  return 0;
}

async function deliver(argv: string[]): Promise<number> {
  const cmd = new Command('c360 report deliver')
    .description(
      "Sends the reports due on a date to every active subscription that has not had them (what the pipeline's DeliverReports does); the reports must be written (c360 pipeline run, or c360 report daily/weekly).",
    )
    .requiredOption('--date <YYYY-MM-DD>', 'the run date', day)
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ date: string; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  try {
    const out = await withLocalReportDeps(o.data, (deps) => deliverReports(deps, o.date));
    process.stdout.write(formatRows(out.delivered as unknown as Record<string, unknown>[], o.format));
    if (o.format === 'table')
      process.stdout.write(
        `${out.delivered.length} delivered (email in ${relative(process.cwd(), localOutbox(o.data)) || '.'} unless C360_SMTP_URL is set); already sent: ${out.alreadySent.length}, unsubscribed: ${out.unsubscribed.length}, not due: ${out.notDue.length}\n`,
      );
    return 0;
  } catch (err) {
    if (!(err instanceof C360Error)) throw err;
    process.stderr.write(`c360 report deliver: ${err.message}\n`);
    return 1;
  }
}

export async function run(argv: string[]): Promise<number> {
  const sub = argv[0];
  if (sub === 'subscribe') return subscribe(argv.slice(1));
  if (sub === 'subscriptions') return subscriptions(argv.slice(1));
  if (sub === 'unsubscribe') return unsubscribeCmd(argv.slice(1));
  if (sub === 'deliver') return deliver(argv.slice(1));
  if (sub !== 'daily' && sub !== 'weekly' && sub !== '--help' && sub !== '-h') {
    process.stderr.write(sub === undefined ? USAGE : `c360 report: unknown "${sub}"\n${USAGE}`);
    return 2;
  }
  const cmd = withFilters(
    new Command('c360 report')
      .description(
        'The daily summary (a day against the same weekday a week earlier) or the weekly digest (an ISO week against ' +
          'the one before) from the warehouse, written as HTML and CSV under DIR/reports (or --out) and printed. ' +
          `Also: subscribe, subscriptions, unsubscribe, deliver (c360 report subscribe --help).`,
      )
      .argument('<kind>', 'daily or weekly')
      .requiredOption('--date <YYYY-MM-DD>', 'the day (daily) or a day of the week (weekly)')
      .option('--out <dir>', 'where to write the files (default: DIR/reports)'),
  )
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<
    { date: string; out?: string; format: string; data: string } & Record<string, string>
  >(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const kind = parsed.args[0];
  const o = parsed.opts;
  const wh = await openWarehouse(o.data, { readOnly: true });
  try {
    const report = await buildReport(wh, kind as ReportKind, o.date, new Date(), filtersOf(o));
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
