import { basename } from 'node:path';
import type { Clock } from '../../ports/clock';
import type { EventStream, StreamRecord } from '../../ports/stream';
import type { FieldProblem } from '../errors';
import type { RawEnvelope } from '../event';
import { parseCsv } from './csv';
import { type BatchKind, columnMap, rowEventId, validateRow } from './rows';

/**
 * Batch file ingestion: the file is kept as received under landing/<kind>/dt=<today>/, each row
 * is validated (line, field, rule on failure) and accepted rows go onto the event stream as
 * RawEnvelopes (kind batch_file), so they get the same enrichment, pseudonymization and dedupe
 * as live events. Event ids are content hashes: re-ingesting a file adds nothing.
 */
export type BatchFormat = 'csv' | 'ndjson' | 'cdnow';

export interface BatchIngestReport {
  file: string;
  kind: BatchKind;
  format: BatchFormat;
  rows: number;
  accepted: number;
  rejected: number;
  landedAt: string;
  errorsFile: string | null;
}

export function detectFormat(file: string, head: string): BatchFormat {
  if (/\.(ndjson|jsonl)$/i.test(file) || head.trimStart().startsWith('{')) return 'ndjson';
  if (/^\s*\d+\s+(\d+\s+)?\d{8}\s+\d+\s+[\d.]+\s*$/m.test(head.split('\n').slice(0, 3).join('\n')))
    return 'cdnow';
  return 'csv';
}

function* records(
  text: string,
  format: BatchFormat,
): Generator<{ line: number; values: Record<string, string> | null; header?: string[]; error?: string }> {
  if (format === 'ndjson') {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]?.trim();
      if (!l) continue;
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        yield {
          line: i + 1,
          values: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? '' : String(v)])),
        };
      } catch {
        yield { line: i + 1, values: null, error: 'line is not valid JSON' };
      }
    }
    return;
  }
  if (format === 'cdnow') {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const cols = (lines[i] ?? '').trim().split(/\s+/);
      if (cols.length === 1 && cols[0] === '') continue;
      if (i === 0 && /customer/i.test(lines[i] ?? '')) continue;
      // Sample file: master id, sample id, date, cds, dollars; master file: id, date, cds, dollars.
      const [id, date, cds, dollars] = cols.length >= 5 ? cols.slice(1) : cols;
      yield {
        line: i + 1,
        values: {
          customer_id: id ? `cdnow-${Number(id)}` : '',
          ordered_at: date ?? '',
          items: cds ?? '',
          amount: dollars ?? '',
          // The CDNOW log is a US retailer's, in dollars: the format itself fixes the currency.
          currency: 'USD',
        },
      };
    }
    return;
  }
  const rows = parseCsv(text);
  const header = rows[0]?.cells ?? [];
  yield { line: 1, values: null, header };
  for (const r of rows.slice(1)) {
    yield { line: r.line, values: Object.fromEntries(header.map((h, i) => [h, r.cells[i] ?? ''])) };
  }
}

export interface BatchRowsReport {
  format: BatchFormat;
  rows: number;
  accepted: number;
  rejected: number;
  /** Rejected rows: line, field, rule, message (what goes to <file>.errors.ndjson or rejects/). */
  errors: (FieldProblem & { line: number })[];
}

/**
 * A batch file's text → validated rows on the event stream (the part shared by `c360 ingest-file`
 * and the file-ingest Lambda that S3 landing events start). Content-hash event ids: a file
 * ingested twice adds nothing.
 */
export async function ingestBatchText(opts: {
  text: string;
  name: string;
  kind: BatchKind;
  format?: BatchFormat;
  mapping?: Record<string, string>;
  defaultCurrency?: string;
  stream: EventStream;
  clock: Clock;
  onProgress?: (rows: number) => void;
}): Promise<BatchRowsReport> {
  const text = opts.text;
  const format = opts.format ?? detectFormat(opts.name, text.slice(0, 2000));
  const now = opts.clock.now();
  const receivedAt = now.toISOString();
  const requestId = `file:${basename(opts.name)}:${receivedAt}`;
  const errors: (FieldProblem & { line: number })[] = [];
  const seen = new Map<string, number>();
  let batch: StreamRecord[] = [];
  let rows = 0;
  let accepted = 0;
  let columns: Map<number, string> | null = null;
  let header: string[] = [];
  for (const rec of records(text, format)) {
    if (rec.header) {
      header = rec.header;
      columns = columnMap(opts.kind, header, opts.mapping);
      continue;
    }
    rows++;
    if (!rec.values) {
      errors.push({ line: rec.line, field: '/', rule: 'json', message: rec.error ?? 'unreadable row' });
      continue;
    }
    let values = rec.values;
    if (columns) {
      values = {};
      header.forEach((h, i) => {
        const f = columns?.get(i);
        if (f) values[f] = rec.values?.[h] ?? '';
      });
    } else if (opts.mapping) {
      for (const [col, field] of Object.entries(opts.mapping))
        if (rec.values[col] !== undefined) values[field] = rec.values[col];
    }
    if (opts.defaultCurrency && !values.currency?.trim()) values.currency = opts.defaultCurrency;
    const v = validateRow(opts.kind, values);
    if (!v.ok) {
      for (const p of v.problems) errors.push({ line: rec.line, ...p });
      continue;
    }
    const key = JSON.stringify(v.payload);
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    const eventId = rowEventId(opts.kind, v.payload, occurrence);
    const envelope: RawEnvelope = {
      v: 1,
      kind: 'batch_file',
      source: opts.kind,
      provider: opts.kind,
      receivedAt,
      requestId,
      payload: v.payload,
      eventId,
    };
    batch.push({
      partitionKey: String(v.payload.customer_id ?? eventId),
      data: Buffer.from(JSON.stringify(envelope)),
    });
    accepted++;
    if (batch.length >= 5000) {
      await opts.stream.put(batch);
      batch = [];
      opts.onProgress?.(rows);
    }
  }
  if (batch.length) await opts.stream.put(batch);
  opts.onProgress?.(rows);
  return { format, rows, accepted, rejected: new Set(errors.map((e) => e.line)).size, errors };
}
