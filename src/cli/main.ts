/**
 * The `c360` command: the embedded runtime and the operator's tools. Each command lives in
 * src/cli/commands/<name>.ts and exports `run(argv): Promise<number>` (the exit code).
 */
import { Command, CommanderError } from 'commander';
import { C360Error } from '../domain/errors';

interface CommandEntry {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, CommandEntry> = {
  demo: {
    summary: 'generate a sample, run it through ingest, enrich, silver and gold, print a summary',
    load: () => import('./commands/demo'),
  },
  serve: {
    summary: 'start the embedded ingest API (Segment tracking API, webhooks, postbacks)',
    load: () => import('./commands/serve'),
  },
  enrich: {
    summary: 'drain the local event stream through the enrich handler into the lake',
    load: () => import('./commands/enrich'),
  },
  quarantine: {
    summary: 'inspect and replay quarantined events (quarantine replay [--reason R] [--since DATE])',
    load: () => import('./commands/quarantine'),
  },
  redrive: {
    summary:
      'put records enrich gave up on (retries exhausted) back on the stream, from the on-failure destination',
    load: () => import('./commands/redrive'),
  },
  'ingest-file': {
    summary: 'load a batch file (--kind orders|crm|tickets|social FILE) into landing/ and bronze',
    load: () => import('./commands/ingest-file'),
  },
  etl: {
    summary: 'build silver and gold for a date or range (--date D | --from D --to D)',
    load: () => import('./commands/etl'),
  },
  rates: {
    summary: 'import dated exchange rates (ECB eurofxref-hist.csv) the ETL values money with',
    load: () => import('./commands/rates'),
  },
  pipeline: {
    summary: 'run the daily pipeline state machine (ASL) embedded: pipeline run [--date D | --from D --to D]',
    load: () => import('./commands/pipeline'),
  },
  models: {
    summary:
      'customer models: models train | evaluate | deploy [--min-auc X] | clv --orders FILE --calibration-end D (BG/NBD + Gamma-Gamma)',
    load: () => import('./commands/models'),
  },
  warehouse: {
    summary: 'load gold into the embedded warehouse (warehouse load [--date D | --from D --to D])',
    load: () => import('./commands/warehouse'),
  },
  keys: {
    summary:
      'write keys: keys list | add --source S --trust client|server [--rate R --daily-quota Q] | disable KEY | enable KEY',
    load: () => import('./commands/keys'),
  },
  audiences: {
    summary:
      'audiences and their destinations: audiences list | preview NAME | sync [--destination D] | redrive',
    load: () => import('./commands/audiences'),
  },
  profiles: {
    summary:
      'the profile store: profiles get TYPE:VALUE (user_id:…, email:…) | sync (computed halves from gold) | stats',
    load: () => import('./commands/profiles'),
  },
  forget: {
    summary:
      'erase one person everywhere and suppress their later events (forget --user-id ID | --email A | --customer-id ID)',
    load: () => import('./commands/forget'),
  },
  'export-person': {
    summary:
      'subject access: one archive with everything held about a person (export-person --user-id ID | --email A | --customer-id ID)',
    load: () => import('./commands/export-person'),
  },
  backup: {
    summary:
      "copy the data folder's lake, warehouse, vault and state into a checked backup (backup --to DIR)",
    load: () => import('./commands/backup'),
  },
  restore: {
    summary: 'restore a backup, keep every erasure and apply them again (restore --from DIR)',
    load: () => import('./commands/restore'),
  },
  reprocess: {
    summary:
      "apply this version's normalizer to history: raw archive → new bronze → rebuild (reprocess --from D --to D)",
    load: () => import('./commands/reprocess'),
  },
  retention: {
    summary:
      "drop partitions older than each layer's retention (retention apply [--dry-run]; config/retention.json)",
    load: () => import('./commands/retention'),
  },
  dashboard: {
    summary:
      'render the business dashboards as static HTML from the warehouse (dashboard [--out DIR] [--no-cache])',
    load: () => import('./commands/dashboard'),
  },
  report: {
    summary:
      'the daily summary or weekly digest from the warehouse, as HTML and CSV (report daily|weekly --date D)',
    load: () => import('./commands/report'),
  },
  cost: {
    summary:
      'monthly AWS cost and cost per million events of the deployed configuration (cost [--events-per-day N])',
    load: () => import('./commands/cost'),
  },
  lineage: {
    summary:
      "a table's upstream and downstream from the SQL plan, with the last run's row counts (lineage [TABLE])",
    load: () => import('./commands/lineage'),
  },
  slo: {
    summary:
      'service level objectives on the embedded metrics: SLIs, error budget, burn rates (slo [--window 1h|1d|30d])',
    load: () => import('./commands/slo'),
  },
  dq: {
    summary:
      'rows a row-level data quality rule flagged in the last ETL run, published as sent (dq [--check NAME] [--summary])',
    load: () => import('./commands/dq'),
  },
  query: {
    summary: 'run ad-hoc SQL over the lake, or the warehouse with --warehouse (--format table|csv|json)',
    load: () => import('./commands/query'),
  },
};

/**
 * The top level is commander too (help, unknown commands with a suggestion); each command module
 * is loaded only when it runs (the DuckDB engine is not loaded for `c360 serve --help`) and parses
 * its own options with commander.
 */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('c360')
    .description('c360: Customer 360 analytics, embedded (the same handlers and SQL as the AWS deployment)')
    .usage('<command> [options]')
    .addHelpText(
      'after',
      '\nRun "c360 <command> --help" for a command\'s options. Data folder: .c360 unless --data DIR.',
    )
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  for (const [name, c] of Object.entries(COMMANDS)) {
    program
      .command(name)
      .description(c.summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(async (_args: string[], _opts: unknown, cmd: Command) => {
        try {
          const mod = await c.load();
          code = await mod.run(cmd.args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          process.stderr.write(`c360 ${name}: ${message}\n`);
          if (!(err instanceof C360Error) && err instanceof Error && process.env.C360_DEBUG) {
            process.stderr.write(`${err.stack}\n`);
          }
          code = 1;
        }
      });
  }
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return code;
}

if (process.env.C360_CLI_ENTRY === '1' || (typeof module !== 'undefined' && require.main === module)) {
  // A reader that stops early (`c360 query … | head`) closes the pipe: stop quietly, as Unix tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`c360: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
