import { Command } from 'commander';
import { forgetLocal, reapplyErasures } from '../../runtime/forget';
import { DEFAULT_DATA_DIR } from '../../runtime/local';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';
import { type PersonFlags, personOptions, personRequest } from '../person';
import { progressReporter } from '../progress';

export async function run(argv: string[]): Promise<number> {
  const cmd = personOptions(new Command('c360 forget'))
    .description(
      'Right to be forgotten: erases one person everywhere in the data folder. Resolves them through the ' +
        'identity map (all their stitched identities), records a suppression entry (their later events are ' +
        'dropped at enrich), crypto-shreds their vault entries, rewrites bronze, quarantine, silver, gold, ' +
        'features, scores and state without them, rebuilds the aggregates and deletes their rows from the ' +
        'warehouse, history included. In AWS the forget state machine runs the same plan.',
    )
    .option(
      '--reapply',
      'erase again everyone on the suppression list who is back in the identity map (run after restoring a backup, before serving)',
    )
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<PersonFlags & { reapply?: boolean; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  if (o.reapply) {
    if ([o.userId, o.email, o.customerId].some((v) => v !== undefined)) {
      process.stderr.write(
        'c360 forget: --reapply takes no person: it erases everyone on the suppression list again\n',
      );
      return 2;
    }
    const progress = progressReporter('forget');
    const r = await reapplyErasures({ dataDir: o.data, onProgress: (m) => progress.line(m) });
    progress.done();
    process.stdout.write(
      formatRows(
        r.reports.map((x) => ({
          customer_ids: x.customerIds.join(' '),
          bronze_events_removed: x.bronzeEventsRemoved,
          lake_rows_removed: x.lakeRowsRemoved,
          warehouse_rows_deleted: x.warehouseRowsDeleted,
        })),
        o.format,
      ),
    );
    process.stderr.write(`${r.customerIds.length} erased person(s) found again and erased\n`);
    return 0;
  }
  const request = personRequest('c360 forget', o);
  if (!request) return 2;
  const progress = progressReporter('forget');
  const r = await forgetLocal({
    dataDir: o.data,
    request,
    onProgress: (m) => progress.line(m),
  });
  progress.done();
  process.stdout.write(
    formatRows(
      [
        {
          customer_ids: r.customerIds.join(' '),
          identity_keys: r.identityKeys,
          vault_subjects_shredded: r.vaultSubjectsShredded,
          bronze_events_removed: r.bronzeEventsRemoved,
          quarantine_records_removed: r.quarantineRecordsRemoved,
          lake_rows_removed: r.lakeRowsRemoved,
          lines_removed: r.linesRemoved,
          warehouse_rows_deleted: r.warehouseRowsDeleted,
          files_rewritten: r.filesRewritten,
          ms: r.ms,
        },
      ],
      o.format,
    ),
  );
  return 0;
}
