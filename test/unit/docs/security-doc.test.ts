import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/security.md lists each threat with the control and the tests that prove it. Those
 * references must stay true: every test file it names exists, and every test name it quotes is in that file
 * ("…" standing for words left out).
 */
const root = join(__dirname, '../../..');
const doc = readFileSync(join(root, 'docs/security.md'), 'utf8');
const table = doc.slice(doc.indexOf('## Threats, controls'), doc.indexOf('## The web application firewall'));
const rows = table.split('\n').filter((l) => /^\| T\d+ \|/.test(l));

describe('docs/security.md threat model', () => {
  it('has a control and at least one test for every threat', () => {
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const row of rows) {
      const cells = row.split(' | ');
      expect([cells[0], /`test\/[^`]+\.ts`/.test(cells.at(-1) ?? '')]).toEqual([cells[0], true]);
    }
  });

  it.each(rows.map((r) => [r.slice(2, r.indexOf(' |', 2)), r]))(
    '%s: its tests exist as quoted',
    (_id, row) => {
      const testCell = row.split(' | ').at(-1) as string;
      // `path` "name" "name" … `path` "name" …
      const parts = testCell.split(/`(test\/[^`]+\.ts)`/);
      for (let i = 1; i < parts.length; i += 2) {
        const file = parts[i] as string;
        expect([file, existsSync(join(root, file))]).toEqual([file, true]);
        const source = readFileSync(join(root, file), 'utf8');
        for (const m of (parts[i + 1] ?? '').matchAll(/"([^"]+)"/g)) {
          // "…" stands for words left out: each piece is in the file.
          for (const piece of (m[1] as string)
            .split('…')
            .map((x) => x.trim())
            .filter(Boolean))
            expect([file, piece, source.includes(piece)]).toEqual([file, piece, true]);
        }
      }
    },
  );
});
