import { join } from 'node:path';
import { Command } from 'commander';
import { FileEventStream } from '../../adapters/local/file-stream';
import { startConsumerMapping } from '../../runtime/consumer';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { drainStream, openLocalConsumer } from '../../runtime/local-enrich';
import { createStreamTaps } from '../../runtime/profiles';
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
    .option('--no-geo', 'skip IP geolocation (saves ~200 MB of memory)')
    .option(
      '--follow',
      'keep consuming as events arrive, as the Kinesis trigger does, until stopped (Ctrl-C, SIGTERM, or the end of the c360 serve that started it); the real-time windows and the stream trim run here too',
    )
    .option(
      '--batching-window-ms <ms>',
      'with --follow: how long to wait to fill a batch',
      intOption('--batching-window-ms', 0, 300_000),
    )
    .option(
      '--poll-ms <ms>',
      'with --follow: how long to sleep when the stream has nothing new',
      intOption('--poll-ms', 1, 60_000),
    );
  const parsed = parseWith<{
    data: string;
    batchSize: number;
    geo: boolean;
    follow?: boolean;
    batchingWindowMs?: number;
    pollMs?: number;
  }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const values = parsed.opts;
  if (values.follow) return follow(values);
  const paths = localPaths(values.data);
  const progress = progressReporter('enrich');
  const consumer = await openLocalConsumer(values.data, 'c360 enrich', { geo: values.geo });
  let report: Awaited<ReturnType<typeof drainStream>>;
  try {
    const realtime = createStreamTaps(values.data);
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

/**
 * `c360 enrich --follow`: the continuous consumer (c360 serve starts it as a process of its own).
 * Ends with 0 when stopped (a signal, or its parent's IPC channel closing), 1 when the mapping
 * stopped for good (the reason on stderr).
 */
async function follow(o: {
  data: string;
  batchSize: number;
  geo: boolean;
  batchingWindowMs?: number;
  pollMs?: number;
}): Promise<number> {
  let failure: string | null = null;
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  // Started by c360 serve: its end (even a kill) closes the channel; so does its close().
  process.once('disconnect', end);
  if (process.send !== undefined && !process.connected) end();
  const consumer = await openLocalConsumer(o.data, 'c360 enrich --follow', { geo: o.geo });
  const running = startConsumerMapping({
    dataDir: o.data,
    handler: consumer.handler,
    onFatal: (err) => {
      failure = err instanceof Error ? err.message : String(err);
      end();
    },
    settings: {
      batchSize: o.batchSize,
      ...(o.batchingWindowMs !== undefined ? { batchingWindowMs: o.batchingWindowMs } : {}),
      ...(o.pollMs !== undefined ? { pollIntervalMs: o.pollMs } : {}),
    },
  });
  await ended;
  await running.stop();
  await consumer.release();
  // The channel to c360 serve would keep this process alive.
  if (process.connected) process.disconnect();
  if (failure) {
    process.stderr.write(`c360 enrich: stopped after repeated errors (${failure})\n`);
    return 1;
  }
  return 0;
}
