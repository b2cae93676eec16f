import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KinesisEventStream } from '../../adapters/aws/kinesis-stream';
import { KinesisRangeReader, SqsFailureSource } from '../../adapters/aws/redrive';
import { FileEventStream } from '../../adapters/local/file-stream';
import { FileFailureSource, LocalRangeReader } from '../../adapters/local/redrive';
import { LocalLogger } from '../../adapters/local/telemetry';
import { EventSourceMapping, FileFailureDestination } from '../../runtime/event-source';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { createLocalEnrichHandler } from '../../runtime/local-enrich';
import { redrive } from '../../runtime/redrive';

const HELP = `usage: c360 redrive [--data DIR] [--no-enrich]
       c360 redrive --queue-url URL --stream-arn ARN        (AWS)

Re-drives the records the enrich event source mapping gave up on (retries exhausted): reads each
failure record (shard and sequence range), reads those records back from the stream by sequence
number, and puts them on the stream again; enrich deduplicates, so nothing is stored twice.
A range no longer in the stream (past its retention) is reported and kept.

  --data DIR         data folder (default ${DEFAULT_DATA_DIR}): DIR/state/enrich-on-failure.ndjson
  --no-enrich        only put the records back; do not run enrich now (c360 serve will)
  --queue-url URL    AWS: the enrich function's on-failure SQS queue (stack output EnrichFailureQueueUrl)
  --stream-arn ARN   AWS: the Kinesis event stream
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      'no-enrich': { type: 'boolean' },
      'queue-url': { type: 'string' },
      'stream-arn': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
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
    const stats = await new EventSourceMapping({
      stream,
      handler: createLocalEnrichHandler(values.data),
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
      onFailure: new FileFailureDestination(failuresFile),
      logger: new LocalLogger('c360-redrive'),
    }).drain();
    say(
      `enrich: ${stats.records} records processed, ${stats.sentToOnFailure} failed again (see ${failuresFile})`,
    );
  }
  return report.expired.length ? 1 : 0;
}
