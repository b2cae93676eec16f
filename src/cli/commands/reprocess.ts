import { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../../runtime/local';
import { runReprocess } from '../../runtime/reprocess';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';
import { progressReporter } from '../progress';

/** `c360 reprocess --from D --to D`: the shipped normalizer over the raw archive, history rebuilt. */
export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 reprocess')
    .description(
      'Re-runs normalization and enrichment, as this version ships them, over the raw archive of the arrival ' +
        'days --from..--to (every record as received, sealed per person: forgotten people stay forgotten) into a ' +
        "new version of those days' bronze, then rebuilds silver, gold and the warehouse through the backfill, " +
        'so a normalizer fix reaches history. Runs statemachines/reprocess.asl.json. The previous bronze version ' +
        'is kept under lake/previous-versions/ for 30 days. A failed run is finished with --resume RUN.',
    )
    .option('--from <YYYY-MM-DD>', 'first arrival day')
    .option('--to <YYYY-MM-DD>', 'last arrival day (before today, UTC)')
    .option('--resume <run>', 'finish an earlier run (its id is in the failure message and lake/reprocess/)')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ from?: string; to?: string; resume?: string; format: string; data: string }>(
    cmd,
    argv,
  );
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  if (!o.resume && (!o.from || !o.to)) {
    process.stderr.write(
      'c360 reprocess: give --from and --to (arrival days, YYYY-MM-DD), or --resume RUN\n',
    );
    return 2;
  }
  const progress = progressReporter('reprocess');
  const result = await runReprocess({
    dataDir: o.data,
    ...(o.resume ? { runId: o.resume } : { from: o.from, to: o.to }),
    onState: (e) => {
      if (e.type !== 'entered')
        progress.line(`${e.state}: ${e.type}${e.detail ? ` (${e.detail.slice(0, 200)})` : ''}`);
    },
  });
  progress.done();
  for (const a of result.alerts.filter((m) => /failed/.test(m)))
    process.stderr.write(`c360 reprocess: ALERT ${a}\n`);
  if (result.status !== 'SUCCEEDED' || !result.journal) {
    const why =
      result.alerts.find((m) => /reprocess .* failed/.test(m)) ??
      `${result.error?.name}: ${result.error?.cause}`;
    process.stderr.write(`c360 reprocess: failed: ${why}\n`);
    return 1;
  }
  const j = result.journal;
  process.stdout.write(
    formatRows([{ run: j.runId, from: j.from, to: j.to, state: j.state, ...j.counts }], o.format),
  );
  return 0;
}
