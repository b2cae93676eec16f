import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileEventStream } from '../../adapters/local/file-stream';
import { BATCH_KINDS, type BatchKind } from '../../domain/batch/rows';
import { isCurrency } from '../../domain/money';
import { systemClock } from '../../ports/clock';
import { type BatchFormat, ingestBatchFile } from '../../runtime/batch-ingest';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { createLocalEnrichHandler, drainStream } from '../../runtime/local-enrich';

const HELP = `usage: c360 ingest-file --kind orders|crm|tickets|social FILE [--format csv|ndjson|cdnow] [--mapping col=field,...] [--currency CODE] [--data DIR]

Loads a batch file: a copy lands in DIR/lake/landing/<kind>/dt=<today>/, each row is checked
(bad rows are listed with line, field and rule in <file>.errors.ndjson), accepted rows go through
the same enrichment as live events into bronze. Re-ingesting the same file adds nothing.
The real CDNOW purchase log format (data/sample/cdnow_sample.txt) is read as --kind orders.
Order amounts need a currency: a currency column, or --currency for a file without one.
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      format: { type: 'string' },
      mapping: { type: 'string' },
      currency: { type: 'string' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const file = positionals[0];
  if (values.help || !file) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (!values.kind || !(BATCH_KINDS as readonly string[]).includes(values.kind)) {
    process.stderr.write(`c360 ingest-file: --kind must be one of ${BATCH_KINDS.join(', ')}\n`);
    return 2;
  }
  if (values.format && !['csv', 'ndjson', 'cdnow'].includes(values.format)) {
    process.stderr.write('c360 ingest-file: --format must be csv, ndjson or cdnow\n');
    return 2;
  }
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
  const report = await ingestBatchFile({
    file,
    kind: values.kind as BatchKind,
    format: values.format as BatchFormat | undefined,
    mapping: Object.keys(mapping).length ? mapping : undefined,
    ...(values.currency ? { defaultCurrency: values.currency.toUpperCase() } : {}),
    lakeDir: paths.lake,
    stream,
    clock: systemClock,
    onProgress: (n) => process.stderr.write(`ingest-file: ${n} rows read\r`),
  });
  process.stderr.write('\n');
  const drained = await drainStream({
    stream,
    handler: createLocalEnrichHandler(values.data),
    checkpointFile: join(paths.state, 'enrich.checkpoint'),
  });
  process.stdout.write(
    `${report.file} (${report.format}): ${report.rows} rows, ${report.accepted} accepted, ${report.rejected} rejected` +
      `${report.errorsFile ? ` (see ${report.errorsFile})` : ''}; enrich: ${drained.delivered} delivered, ${drained.duplicates} duplicates, ${drained.quarantined} quarantined\n`,
  );
  return 0;
}
