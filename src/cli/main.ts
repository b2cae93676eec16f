/**
 * The `c360` command: the embedded runtime and the operator's tools. Each command lives in
 * src/cli/commands/<name>.ts and exports `run(argv): Promise<number>` (the exit code).
 */
import { C360Error } from '../domain/errors';

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
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
  query: {
    summary: 'run ad-hoc SQL over the lake (--format table|csv|json)',
    load: () => import('./commands/query'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `usage: c360 <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "c360 <command> --help" for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`c360: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await command.load();
    return await mod.run(rest);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`c360 ${name}: ${message}\n`);
    if (!(err instanceof C360Error) && err instanceof Error && process.env.C360_DEBUG) {
      process.stderr.write(`${err.stack}\n`);
    }
    return 1;
  }
}

if (process.env.C360_CLI_ENTRY === '1' || (typeof module !== 'undefined' && require.main === module)) {
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
