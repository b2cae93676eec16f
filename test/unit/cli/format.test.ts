import { parse } from 'csv-parse/sync';
import { formatRows } from '../../../src/cli/format';

/** The one formatter every row-printing command uses (--format table|csv|json). */
describe('formatRows', () => {
  const rows = [
    { id: 'o-1', note: 'said "hi", left', amount: '12.30', tags: ['a', 'b'], missing: null },
    { id: 'o-2', note: 'two\nlines', amount: '0.05', tags: [], missing: undefined },
  ];

  it('csv: a header and one record per row that a CSV reader gives back as sent', () => {
    const back = parse(formatRows(rows, 'csv'), { columns: true }) as Record<string, string>[];
    expect(back).toEqual(
      rows.map((r) => ({
        id: r.id,
        note: r.note,
        amount: r.amount,
        tags: JSON.stringify(r.tags),
        missing: '',
      })),
    );
  });

  it('json: one object a line, values as they are', () => {
    const lines = formatRows(rows, 'json').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(JSON.parse(JSON.stringify(rows)));
  });

  it('table: a header, a rule, one line a row and the count; empty says so', () => {
    const out = formatRows(rows.slice(0, 1), 'table').split('\n');
    expect(out[0]).toMatch(/^id\s+│ note\s+│ amount │ tags\s+│ missing$/);
    expect(out[2]).toContain('said "hi", left');
    expect(out.at(-2)).toBe('(1 row)');
    expect(formatRows([], 'table')).toBe('(no rows)\n');
  });
});
