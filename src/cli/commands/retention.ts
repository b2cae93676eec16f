import { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../../runtime/local';
import { applyRetention } from '../../runtime/retention';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 retention')
    .description(
      "Applies each layer's retention (config/retention.json, the same numbers as the lake bucket's lifecycle " +
        'rules in template.yaml): a partition whose newest file is older than its layer keeps is dropped whole. ' +
        'Layers with null are kept. --dry-run shows what would go.',
    )
    .argument('<action>', 'apply')
    .option('--dry-run', 'list, do not delete')
    .option('--as-of <YYYY-MM-DD>', 'judge ages as of this day (default: now)')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ dryRun?: boolean; asOf?: string; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  if (parsed.args[0] !== 'apply') {
    process.stderr.write(
      `c360 retention: unknown action "${parsed.args[0]}" (use: c360 retention apply [--dry-run])\n`,
    );
    return 2;
  }
  if (o.asOf && !/^\d{4}-\d{2}-\d{2}$/.test(o.asOf)) {
    process.stderr.write(`c360 retention: --as-of must be a date YYYY-MM-DD, got "${o.asOf}"\n`);
    return 2;
  }
  const rows = await applyRetention({
    dataDir: o.data,
    dryRun: o.dryRun,
    ...(o.asOf ? { now: new Date(`${o.asOf}T23:59:59Z`) } : {}),
  });
  process.stdout.write(
    formatRows(
      rows.map((r) => ({
        layer: r.layer,
        keep_days: r.days ?? 'forever',
        partitions: r.partitions,
        [o.dryRun ? 'would_drop' : 'dropped']: r.dropped,
        bytes: r.bytes,
      })),
      o.format,
    ),
  );
  return 0;
}
