import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { createLocalEnrichHandler } from '../../runtime/local-enrich';
import { listQuarantineFiles, readQuarantineFile, replayQuarantine } from '../../runtime/quarantine';

const HELP = `usage: c360 quarantine list   [--reason R] [--since YYYY-MM-DD] [--data DIR]
       c360 quarantine replay [--reason R] [--since YYYY-MM-DD] [--data DIR]

list    counts quarantined events by reason and day, with a sample detail for each
replay  re-drives quarantined events through validation and enrichment (after a schema or
        normalizer fix) and reports how many passed; replayed files move to quarantine-replayed/
reasons: parse_error, schema_violation, size, unknown_type, auth
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      since: { type: 'string' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const action = positionals[0];
  if (values.help || !action) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (values.since && !/^\d{4}-\d{2}-\d{2}$/.test(values.since)) {
    process.stderr.write(`c360 quarantine: --since must be a date YYYY-MM-DD, got "${values.since}"\n`);
    return 2;
  }
  const paths = localPaths(values.data);
  if (action === 'list') {
    const files = await listQuarantineFiles(paths.lake, { reason: values.reason, since: values.since });
    const groups = new Map<string, { count: number; sample: string }>();
    for (const f of files) {
      const rows = await readQuarantineFile(f.path);
      const key = `${f.reason}\t${f.dt}`;
      const g = groups.get(key) ?? { count: 0, sample: rows[0]?.detail ?? '' };
      g.count += rows.length;
      groups.set(key, g);
    }
    if (groups.size === 0) process.stdout.write('quarantine is empty\n');
    for (const [key, g] of [...groups].sort()) {
      const [reason, dt] = key.split('\t');
      process.stdout.write(
        `${reason?.padEnd(17)} ${dt}  ${String(g.count).padStart(7)}  e.g. ${g.sample.slice(0, 100)}\n`,
      );
    }
    return 0;
  }
  if (action === 'replay') {
    const report = await replayQuarantine({
      lakeDir: paths.lake,
      handler: createLocalEnrichHandler(values.data),
      reason: values.reason,
      since: values.since,
      now: () => new Date(),
    });
    process.stdout.write(
      `replayed ${report.records} event(s) from ${report.files} file(s): ${report.passed} passed, ${report.duplicates} already in the lake, ${report.stillFailing} still failing (quarantined again)\n`,
    );
    return 0;
  }
  process.stderr.write(`c360 quarantine: unknown action "${action}" (use list or replay)\n`);
  return 2;
}
