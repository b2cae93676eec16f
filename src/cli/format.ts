import { Option } from 'commander';
import { stringify } from 'csv-stringify/sync';

/** The --format option every command that prints rows shares. */
export const formatOption = () =>
  new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table');

const cell = (v: unknown) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * Rows as the user asked for them: `json` one object a line, `csv` RFC 4180 with a header
 * (csv-stringify), `table` aligned columns cut at 60 characters with the row count.
 */
export function formatRows(rows: Record<string, unknown>[], format: string): string {
  if (format === 'json') return `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
  const cols = rows[0] ? Object.keys(rows[0]) : [];
  if (format === 'csv') {
    return stringify([cols, ...rows.map((r) => cols.map((c) => cell(r[c])))], { record_delimiter: 'unix' });
  }
  if (cols.length === 0) return '(no rows)\n';
  const widths = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) =>
    vals.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i] ?? 0)).join(' │ ');
  return `${[line(cols), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}
