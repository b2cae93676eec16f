import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { FileEventStream } from '../../adapters/local/file-stream';
import type { BatchFormat } from '../../domain/batch/ingest';
import { BATCH_KINDS, type BatchKind } from '../../domain/batch/rows';
import { ConsumerBusyError } from '../../domain/errors';
import { isCurrency } from '../../domain/money';
import { systemClock } from '../../ports/clock';
import { ingestBatchFile } from '../../runtime/batch-ingest';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { drainStream, openLocalConsumer } from '../../runtime/local-enrich';
import { parseWith } from '../parse';
import { progressReporter } from '../progress';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 ingest-file')
    .description(
      'Loads a batch file: a copy lands in DIR/lake/landing/<kind>/dt=<today>/, each row is checked (bad rows are ' +
        'listed with line, field and rule in <file>.errors.ndjson), accepted rows go through the same enrichment as ' +
        'live events into bronze. Re-ingesting the same file adds nothing. The real CDNOW purchase log format ' +
        '(data/sample/cdnow_sample.txt) is read as --kind orders. Order amounts need a currency: a currency column, ' +
        'or --currency for a file without one.',
    )
    .argument('<file>', 'CSV, NDJSON or the CDNOW log')
    .addOption(
      new Option('--kind <kind>', 'what the rows are').choices([...BATCH_KINDS]).makeOptionMandatory(),
    )
    .addOption(
      new Option('--format <format>', 'file format (detected when omitted)').choices([
        'csv',
        'ndjson',
        'cdnow',
      ]),
    )
    .option('--mapping <col=field,...>', 'map file columns to c360 fields')
    .option('--currency <code>', 'ISO-4217 currency of amounts in a file without a currency column')
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{
    kind: string;
    format?: string;
    mapping?: string;
    currency?: string;
    data: string;
  }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const values = parsed.opts;
  const file = parsed.args[0] as string;
  if (!existsSync(file)) {
    process.stderr.write(`c360 ingest-file: no such file ${file}\n`);
    return 1;
  }
  if (values.currency && !isCurrency(values.currency.toUpperCase())) {
    process.stderr.write(
      `c360 ingest-file: --currency must be an ISO-4217 code (e.g. USD, EUR), got "${values.currency}"\n`,
    );
    return 2;
  }
  const mapping: Record<string, string> = {};
  for (const pair of (values.mapping ?? '').split(',').filter(Boolean)) {
    const [col, field] = pair.split('=');
    if (!col || !field) {
      process.stderr.write(`c360 ingest-file: --mapping entries are column=field, got "${pair}"\n`);
      return 2;
    }
    mapping[col] = field;
  }
  const paths = localPaths(values.data);
  const stream = new FileEventStream(paths.stream);
  const progress = progressReporter('ingest-file');
  const report = await ingestBatchFile({
    file,
    kind: values.kind as BatchKind,
    format: values.format as BatchFormat | undefined,
    mapping: Object.keys(mapping).length ? mapping : undefined,
    ...(values.currency ? { defaultCurrency: values.currency.toUpperCase() } : {}),
    lakeDir: paths.lake,
    stream,
    clock: systemClock,
    onProgress: (n) => progress.line(`${n} rows read`),
  });
  progress.done();
  const head =
    `${report.file} (${report.format}): ${report.rows} rows, ${report.accepted} accepted, ${report.rejected} rejected` +
    `${report.errorsFile ? ` (see ${report.errorsFile})` : ''}`;
  let consumer: Awaited<ReturnType<typeof openLocalConsumer>>;
  try {
    consumer = await openLocalConsumer(values.data, 'c360 ingest-file');
  } catch (err) {
    // c360 serve (or another enrich) is running: the rows are in the stream, and it enriches them.
    if (!(err instanceof ConsumerBusyError)) throw err;
    process.stdout.write(
      `${head}; enrich: left to the running consumer (${err.message.split(' is enriching')[0]})\n`,
    );
    return 0;
  }
  try {
    const drained = await drainStream({
      stream,
      handler: consumer.handler,
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
    });
    process.stdout.write(
      `${head}; enrich: ${drained.delivered} delivered, ${drained.duplicates} duplicates, ${drained.quarantined} quarantined\n`,
    );
  } finally {
    await consumer.release();
  }
  return 0;
}
