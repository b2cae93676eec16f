import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileEventStream } from '../../adapters/local/file-stream';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { createLocalEnrichHandler, drainStream } from '../../runtime/local-enrich';

const HELP = `usage: c360 enrich [--data DIR] [--batch-size N] [--no-geo]

Drains the local event stream (DIR/stream/events) through the enrich handler, as the Kinesis
event source mapping does in AWS: enriched events land in DIR/lake/bronze/events/..., invalid
ones in DIR/lake/quarantine/reason=.../ with the reason.
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      'batch-size': { type: 'string', default: '10000' },
      'no-geo': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const paths = localPaths(values.data);
  const report = await drainStream({
    stream: new FileEventStream(paths.stream),
    handler: createLocalEnrichHandler(values.data, { geo: !values['no-geo'] }),
    checkpointFile: join(paths.state, 'enrich.checkpoint'),
    batchSize: Number(values['batch-size']),
    onProgress: (r) => process.stderr.write(`enrich: ${r.records} records, ${r.delivered} delivered\r`),
  });
  process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (report.failedRecords > 0) {
    process.stderr.write(
      `c360 enrich: ${report.failedRecords} records could not be delivered; they stay in the stream. Check the lake folder is writable and rerun.\n`,
    );
    return 1;
  }
  return 0;
}
