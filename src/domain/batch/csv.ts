import { type Options, parse } from 'csv-parse/sync';
import { C360Error } from '../errors';

/**
 * A CSV text that cannot be read as CSV (an unclosed quote, a quote in the middle of a field):
 * the whole file is refused, naming the line, rather than rows silently merged into one field.
 */
export class CsvFormatError extends C360Error {
  override name = 'CsvFormatError';
  constructor(
    readonly line: number,
    readonly rule: string,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

/**
 * RFC 4180 CSV, strictly (csv-parse): quoted fields with commas, quotes ("") and newlines; CRLF or
 * LF; blank lines skipped; rows may have fewer or more cells than the header (the caller checks
 * fields). Returns rows with the 1-based line each row starts on. Malformed quoting throws a
 * CsvFormatError naming the line where the broken record starts.
 */
export function parseCsv(text: string, delimiter = ','): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let lastEnd = 0;
  try {
    const options = {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      raw: true,
      info: true,
      on_record: ({ record, info, raw }: { record: string[]; info: { lines: number }; raw: string }) => {
        const inner = raw.replace(/^(\r\n|\n|\r)+/, '').replace(/(\r\n|\n|\r)$/, '');
        const newlines = (inner.match(/\r\n|\n|\r/g) ?? []).length;
        rows.push({ line: info.lines - newlines, cells: record });
        lastEnd = info.lines;
        return null;
      },
    };
    // With info and raw on, each record reaches on_record as { record, info, raw }.
    parse(text, options as unknown as Options);
  } catch (err) {
    const e = err as { code?: string; message?: string; lines?: number };
    if (typeof e.code !== 'string' || (!e.code.startsWith('CSV_') && !e.code.startsWith('INVALID_')))
      throw err;
    // Where the broken record starts: after the last good one (an unclosed quote runs to the end).
    const line = e.code === 'CSV_QUOTE_NOT_CLOSED' ? lastEnd + 1 : (e.lines ?? lastEnd + 1);
    const what =
      e.code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'a quoted field opened here is never closed (every row after it would be read as one field)'
        : (e.message ?? e.code);
    throw new CsvFormatError(line, e.code.toLowerCase(), what);
  }
  return rows;
}

/**
 * Decodes a file that is mostly UTF-8 with some Windows-1252 lines (real exports often are):
 * each line is UTF-8 when valid, else Windows-1252. Nothing becomes U+FFFD.
 */
export function decodeMixed(buf: Buffer): string {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const cp1252 = new TextDecoder('windows-1252');
  try {
    return utf8.decode(buf);
  } catch {
    const parts: string[] = [];
    let start = 0;
    for (let i = 0; i <= buf.length; i++) {
      if (i === buf.length || buf[i] === 0x0a) {
        const slice = buf.subarray(start, i);
        try {
          parts.push(utf8.decode(slice));
        } catch {
          parts.push(cp1252.decode(slice));
        }
        start = i + 1;
      }
    }
    return parts.join('\n');
  }
}
