import { Command } from 'commander';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { localVaultKeys, openLocalConsumer } from '../../runtime/local-enrich';
import { listQuarantineFiles, readQuarantineFile, replayQuarantine } from '../../runtime/quarantine';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 quarantine')
    .description(
      'list: counts quarantined events by reason and day, with a sample detail for each. ' +
        'replay: re-drives quarantined events through validation and enrichment (after a schema or normalizer fix) ' +
        'and reports how many passed; replayed files move to quarantine-replayed/. ' +
        'Reasons: parse_error, schema_violation, size, unknown_type, auth.',
    )
    .argument('<action>', 'list or replay')
    .option('--reason <reason>', 'only this reason')
    .option('--since <YYYY-MM-DD>', 'only from this day on')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ reason?: string; since?: string; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const values = parsed.opts;
  const action = parsed.args[0];
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
    const rows = [...groups].sort().map(([key, g]) => {
      const [reason, dt] = key.split('\t');
      return { reason, dt, events: g.count, example: g.sample.slice(0, 100) };
    });
    if (rows.length === 0 && values.format === 'table')
      process.stdout.write(`quarantine under ${paths.lake} is empty\n`);
    else process.stdout.write(formatRows(rows, values.format));
    return 0;
  }
  if (action === 'replay') {
    const consumer = await openLocalConsumer(values.data, 'c360 quarantine replay');
    const report = await replayQuarantine({
      lakeDir: paths.lake,
      handler: consumer.handler,
      reason: values.reason,
      since: values.since,
      now: () => new Date(),
      keys: localVaultKeys(paths.state),
    }).finally(() => consumer.release());
    process.stdout.write(
      `replayed ${report.records} event(s) from ${report.files} file(s): ${report.passed} passed, ${report.duplicates} already in the lake, ${report.stillFailing} still failing (quarantined again)\n`,
    );
    return 0;
  }
  process.stderr.write(`c360 quarantine: unknown action "${action}" (use list or replay)\n`);
  return 2;
}
