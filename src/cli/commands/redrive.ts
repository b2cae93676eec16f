import { join } from 'node:path';
import { Command } from 'commander';
import { KinesisEventStream } from '../../adapters/aws/kinesis-stream';
import { KinesisRangeReader, SqsFailureSource } from '../../adapters/aws/redrive';
import { FileEventStream } from '../../adapters/local/file-stream';
import { FileFailureSource, LocalRangeReader } from '../../adapters/local/redrive';
import { LocalLogger } from '../../adapters/local/telemetry';
import { EventSourceMapping, FileFailureDestination } from '../../runtime/event-source';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { openLocalConsumer } from '../../runtime/local-enrich';
import { redrive } from '../../runtime/redrive';
import { parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 redrive')
    .description(
      'Re-drives the records the enrich event source mapping gave up on (retries exhausted): reads each failure ' +
        'record (shard and sequence range), reads those records back from the stream by sequence number and puts ' +
        'them on the stream again; enrich deduplicates, so nothing is stored twice. A range no longer in the stream ' +
        '(past its retention) is reported and kept. Locally the failures are DIR/state/enrich-on-failure.ndjson; ' +
        'in AWS give --queue-url and --stream-arn (stack outputs EnrichFailureQueueUrl, EventStreamArn).',
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR)
    .option('--no-enrich', 'only put the records back; do not run enrich now (c360 serve will)')
    .option('--queue-url <url>', "AWS: the enrich function's on-failure SQS queue")
    .option('--stream-arn <arn>', 'AWS: the Kinesis event stream');
  const parsed = parseWith<{ data: string; enrich: boolean; queueUrl?: string; streamArn?: string }>(
    cmd,
    argv,
  );
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const values = { data: o.data, 'no-enrich': !o.enrich, 'queue-url': o.queueUrl, 'stream-arn': o.streamArn };
  const say = (s: string) => process.stdout.write(`${s}\n`);
  if (values['queue-url'] || values['stream-arn']) {
    const queueUrl = values['queue-url'];
    const streamArn = values['stream-arn'];
    if (!queueUrl || !streamArn) {
      process.stderr.write('c360 redrive: AWS mode needs both --queue-url and --stream-arn\n');
      return 2;
    }
    const streamName = streamArn.split('/').at(-1) ?? '';
    const report = await redrive({
      failures: new SqsFailureSource(queueUrl),
      reader: new KinesisRangeReader(streamArn),
      stream: new KinesisEventStream({ streamName }),
    });
    say(`redrove ${report.records} records in ${report.batches} batches onto ${streamName}`);
    for (const e of report.expired) {
      say(
        `  kept: ${e.shardId} ${e.startSequenceNumber}..${e.endSequenceNumber}: ${e.found} of ${e.expected} records still in the stream (past retention?)`,
      );
    }
    return report.expired.length ? 1 : 0;
  }
  const paths = localPaths(values.data);
  const failuresFile = join(paths.state, 'enrich-on-failure.ndjson');
  const stream = new FileEventStream(paths.stream);
  const report = await redrive({
    failures: new FileFailureSource(failuresFile),
    reader: new LocalRangeReader(new FileEventStream(paths.stream)),
    stream,
  });
  say(`redrove ${report.records} records in ${report.batches} batches from ${failuresFile}`);
  for (const e of report.expired) {
    say(
      `  kept: ${e.startSequenceNumber}..${e.endSequenceNumber}: ${e.found} of ${e.expected} records still in the stream`,
    );
  }
  if (!values['no-enrich'] && report.records > 0) {
    const consumer = await openLocalConsumer(values.data, 'c360 redrive');
    const stats = await new EventSourceMapping({
      stream,
      handler: consumer.handler,
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
      onFailure: new FileFailureDestination(failuresFile),
      logger: new LocalLogger('c360-redrive'),
    })
      .drain()
      .finally(() => consumer.release());
    say(
      `enrich: ${stats.records} records processed, ${stats.sentToOnFailure} failed again (see ${failuresFile})`,
    );
  }
  return report.expired.length ? 1 : 0;
}
