import { CsvFormatError, decodeMixed } from '../domain/batch/csv';
import { ingestBatchText } from '../domain/batch/ingest';
import { BATCH_KINDS, type BatchKind } from '../domain/batch/rows';
import { C360Error } from '../domain/errors';
import type { Clock } from '../ports/clock';
import type { ObjectStore } from '../ports/object-store';
import type { EventStream } from '../ports/stream';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * Batch files in AWS: an object created under `landing/<kind>/…` (EventBridge "Object Created"
 * from the lake bucket) runs the same row validation and stream writes as `c360 ingest-file`;
 * rejected rows go to `rejects/<kind>/dt=<day>/<file>.errors.ndjson` with line, field and rule.
 * Currency: a file without a currency column names it in its key, `landing/orders/currency=EUR/…`.
 */
export interface FileIngestDeps {
  objects: ObjectStore;
  stream: EventStream;
  clock: Clock;
  logger: LoggerPort;
  metrics: MetricsPort;
}

interface S3ObjectCreated {
  detail?: { object?: { key?: string } };
}

export const createFileIngestHandler = (deps: FileIngestDeps) => async (event: S3ObjectCreated) => {
  const key = decodeURIComponent((event.detail?.object?.key ?? '').replace(/\+/g, ' '));
  const m = /^landing\/([a-z]+)\/(?:currency=([A-Z]{3})\/)?(.+)$/.exec(key);
  if (!m || !(BATCH_KINDS as readonly string[]).includes(m[1] as string)) {
    throw new C360Error(
      `"${key}" is not a landing file: put files under landing/<${BATCH_KINDS.join('|')}>/`,
    );
  }
  const kind = m[1] as BatchKind;
  const name = m[3] as string;
  const text = decodeMixed(await deps.objects.get(key));
  const rejects = `rejects/${kind}/dt=${deps.clock.now().toISOString().slice(0, 10)}/${name.split('/').at(-1)}.errors.ndjson`;
  let r: Awaited<ReturnType<typeof ingestBatchText>>;
  try {
    r = await ingestBatchText({
      text,
      name,
      kind,
      ...(m[2] ? { defaultCurrency: m[2] } : {}),
      stream: deps.stream,
      clock: deps.clock,
    });
  } catch (err) {
    // A file that is not CSV is refused whole (nothing reached the stream); retrying cannot help,
    // so the reason goes to rejects/ and the event is done, instead of failing into the DLQ.
    if (!(err instanceof CsvFormatError)) throw err;
    await deps.objects.put(
      rejects,
      `${JSON.stringify({ line: err.line, field: 'file', rule: err.rule, message: err.message })}\n`,
    );
    deps.logger.warn('batch file refused: not readable as CSV', { key, line: err.line, rule: err.rule });
    return {
      key,
      format: 'csv',
      rows: 0,
      accepted: 0,
      rejected: 0,
      rejectsKey: rejects,
      refused: err.message,
    };
  }
  let rejectsKey: string | null = null;
  if (r.errors.length) {
    rejectsKey = rejects;
    await deps.objects.put(rejectsKey, `${r.errors.map((e) => JSON.stringify(e)).join('\n')}\n`);
  }
  deps.metrics.addDimension('kind', kind);
  deps.metrics.addMetric('FileRowsAccepted', 'Count', r.accepted);
  deps.metrics.addMetric('FileRowsRejected', 'Count', r.rejected);
  deps.metrics.publishStoredMetrics();
  deps.logger.info('batch file ingested', { key, rows: r.rows, accepted: r.accepted, rejected: r.rejected });
  return { key, format: r.format, rows: r.rows, accepted: r.accepted, rejected: r.rejected, rejectsKey };
};
