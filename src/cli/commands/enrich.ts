import { join } from 'node:path';
import { Command } from 'commander';
import { FileEventStream } from '../../adapters/local/file-stream';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { drainStream, openLocalConsumer } from '../../runtime/local-enrich';
import { createLocalRealtime } from '../../runtime/local-realtime';
import { intOption, parseWith } from '../parse';
import { progressReporter } from '../progress';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 enrich')
    .description(
      'Drains the local event stream (DIR/stream/events) through the enrich handler, as the Kinesis event source ' +
        'mapping does in AWS: enriched events land in DIR/lake/bronze/events/..., invalid ones in ' +
        'DIR/lake/quarantine/reason=.../ with the reason. (c360 serve does this continuously.)',
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR)
    .option(
      '--batch-size <n>',
      'records per handler invocation',
      intOption('--batch-size', 1, 100_000),
      10_000,
    )
    .option('--no-geo', 'skip IP geolocation (saves ~200 MB of memory)');
  const parsed = parseWith<{ data: string; batchSize: number; geo: boolean }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const values = parsed.opts;
  const paths = localPaths(values.data);
  const progress = progressReporter('enrich');
  const consumer = await openLocalConsumer(values.data, 'c360 enrich', { geo: values.geo });
  let report: Awaited<ReturnType<typeof drainStream>>;
  try {
    const realtime = createLocalRealtime(values.data);
    report = await drainStream({
      stream: new FileEventStream(paths.stream),
      handler: consumer.handler,
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
      batchSize: values.batchSize,
      onProgress: (r) =>
        progress.line(`${r.records} records, ${r.delivered} delivered, ${r.quarantined} quarantined`),
      tap: (records) => realtime.feed(records),
    });
    await realtime.close();
  } finally {
    await consumer.release();
  }
  progress.done();
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (report.failedRecords > 0) {
    process.stderr.write(
      `c360 enrich: ${report.failedRecords} records could not be delivered; they stay in the stream. Check the lake folder is writable and rerun.\n`,
    );
    return 1;
  }
  return 0;
}
