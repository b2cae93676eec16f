import { Command, Option } from 'commander';
import { DEFAULT_DATA_DIR } from '../../runtime/local';
import { runBackfill, runDailyPipeline } from '../../runtime/pipeline';
import { parseWith } from '../parse';
import { progressReporter } from '../progress';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 pipeline')
    .description(
      'Runs the Step Functions definitions themselves (statemachines/daily-pipeline.asl.json; backfill.asl.json ' +
        'for a range) with an embedded ASL interpreter, each Task mapped to the local handler of its step: ETL ' +
        '(the Glue role) → warehouse load → model training and scoring (Map over feature batches) → load scores → ' +
        'metrics; a failure goes through the same Catch → alert path and exits non-zero naming the state and cause. ' +
        '--date is an arrival date (default: yesterday UTC).',
    )
    .argument('<action>', 'run')
    .option('--date <YYYY-MM-DD>', 'one date')
    .option('--from <YYYY-MM-DD>', 'first date of a backfill')
    .option('--to <YYYY-MM-DD>', 'last date of a backfill')
    .addOption(
      new Option(
        '--engine <engine>',
        'the ETL engine the definition picks: glue (daily runs) or emr (EMR Serverless, large backfills); embedded, both run the same SQL locally',
      ).choices(['glue', 'emr']),
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{
    date?: string;
    from?: string;
    to?: string;
    data: string;
    engine?: 'glue' | 'emr';
  }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  if (parsed.args[0] !== 'run') {
    process.stderr.write(`c360 pipeline: unknown action "${parsed.args[0]}" (use: c360 pipeline run)\n`);
    return 2;
  }
  const o = parsed.opts;
  const progress = progressReporter('pipeline');
  const onState = (e: { state: string; type: string; detail?: string }) => {
    if (e.type === 'succeeded' || e.type === 'failed' || e.type === 'retried' || e.type === 'caught') {
      progress.line(`${e.state}: ${e.type}${e.detail ? ` (${e.detail.slice(0, 200)})` : ''}`);
    }
  };
  const result =
    o.from || o.to
      ? await runBackfill(o.from ?? '', o.to ?? o.from ?? '', { dataDir: o.data, onState, engine: o.engine })
      : await runDailyPipeline(o.date, { dataDir: o.data, onState, engine: o.engine });
  progress.done();
  for (const a of result.alerts) process.stderr.write(`c360 pipeline: ALERT ${a}\n`);
  if (result.status !== 'SUCCEEDED') {
    process.stderr.write(`c360 pipeline: failed: ${result.error?.name}: ${result.error?.cause}\n`);
    return 1;
  }
  process.stdout.write('pipeline succeeded\n');
  return 0;
}
