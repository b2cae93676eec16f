import { Command } from 'commander';
import { backupDataFolder, restoreDataFolder } from '../../runtime/backup';
import { DEFAULT_DATA_DIR } from '../../runtime/local';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';
import { progressReporter } from '../progress';

/** `c360 backup --to DIR`: the data folder's lake, warehouse, vault and state, with a checked manifest. */
export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 backup')
    .description(
      "Copies the data folder's lake, warehouse, PII vault and state (keys, checkpoints, suppression list) into a " +
        'new folder, with a manifest of every file and its SHA-256, while no consumer or ETL run writes (it waits ' +
        'for none: stop c360 serve first). The stream is not copied: after a restore, enrich replays every event ' +
        'it still holds past the backup. Restore with "c360 restore --from DIR".',
    )
    .requiredOption('--to <dir>', 'a new (or empty) folder for the backup, ideally on another disk')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ to: string; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const progress = progressReporter('backup');
  const m = await backupDataFolder({ dataDir: o.data, to: o.to, onProgress: (s) => progress.line(s) });
  progress.done();
  process.stdout.write(
    formatRows(
      [
        {
          backup: o.to,
          created_at: m.createdAt,
          files: m.files.length,
          bytes: m.files.reduce((a, f) => a + f.bytes, 0),
          warehouse_version: m.warehouseVersion,
        },
      ],
      o.format,
    ),
  );
  return 0;
}

/** `c360 restore --from DIR`: the backup checked, put back, and every erasure applied again. */
export async function restore(argv: string[]): Promise<number> {
  const cmd = new Command('c360 restore')
    .description(
      'Restores a backup made by "c360 backup" into the data folder: checks every file against the manifest ' +
        'first (a damaged backup changes nothing), replaces the lake, warehouse, vault and state with it, keeps ' +
        "the current suppression list with the backup's (erasures are never rolled back), then erases again " +
        'everyone on it the backup still held. Then run "c360 enrich" (the stream replays what came after the ' +
        'backup) and "c360 pipeline run" to bring silver, gold and the warehouse up to date.',
    )
    .requiredOption('--from <dir>', 'the backup folder')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ from: string; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const progress = progressReporter('restore');
  const r = await restoreDataFolder({ dataDir: o.data, from: o.from, onProgress: (s) => progress.line(s) });
  progress.done();
  process.stdout.write(
    formatRows(
      [
        {
          backup_created_at: r.backupCreatedAt,
          files: r.files,
          bytes: r.bytes,
          suppressed_identities: r.suppressed,
          erasures_reapplied: r.erasuresReapplied,
        },
      ],
      o.format,
    ),
  );
  process.stderr.write('next: c360 enrich (replays the stream past the backup), then c360 pipeline run\n');
  return 0;
}
