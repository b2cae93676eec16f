import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../../src/cli/commands/retention';
import { loadRetention } from '../../src/runtime/retention';

const NOW = new Date('2026-11-30T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

describe('c360 retention apply', () => {
  let dir: string;
  const policy = loadRetention();
  /** One file per partition, written `age` days before NOW. */
  const files: Record<string, number> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-retention-'));
    const days = policy.layers as {
      bronze: number;
      quarantine: number;
      landing: number;
      silver: number;
      vault: number;
    };
    const plan: [string, number][] = [
      ['lake/bronze/events/source=web/event_type=track/dt=2025-01-01/hour=01/a.ndjson.gz', days.bronze + 1],
      ['lake/bronze/events/source=web/event_type=track/dt=2026-11-29/hour=01/a.ndjson.gz', days.bronze - 1],
      ['lake/quarantine/reason=schema_violation/dt=2026-10-01/q.ndjson.gz', days.quarantine + 1],
      ['lake/quarantine/reason=schema_violation/dt=2026-11-29/q.ndjson.gz', 1],
      ['lake/landing/crm/dt=2026-11-01/crm.csv', days.landing + 1],
      ['lake/silver/events/dt=1997-01-01/data.parquet', days.silver - 1],
      ['lake/gold/fact_orders/data.parquet', 5000],
      ['vault/entries/0123.ndjson', days.vault + 1],
      ['vault/entries/4567.ndjson', 3],
    ];
    for (const [p, age] of plan) {
      const f = join(dir, p);
      await mkdir(dirname(f), { recursive: true });
      await writeFile(f, 'x');
      await utimes(f, daysAgo(age), daysAgo(age));
      files[p] = age;
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('--dry-run lists what would go and deletes nothing', async () => {
    let out = '';
    const w = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      out += String(c);
      return true;
    });
    try {
      expect(
        await run(['apply', '--dry-run', '--as-of', '2026-11-30', '--data', dir, '--format', 'json']),
      ).toBe(0);
    } finally {
      w.mockRestore();
    }
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.find((r) => r.layer === 'bronze')).toMatchObject({ partitions: 2, would_drop: 1 });
    expect(rows.find((r) => r.layer === 'gold')).toMatchObject({ keep_days: 'forever', would_drop: 0 });
    for (const p of Object.keys(files)) expect(existsSync(join(dir, p))).toBe(true);
  });

  it('drops whole partitions older than their layer keeps, and nothing else', async () => {
    expect(await run(['apply', '--as-of', '2026-11-30', '--data', dir, '--format', 'json'])).toBe(0);
    const layerOf = (p: string) => (p.startsWith('vault/') ? 'vault' : (p.split('/')[1] as string));
    for (const [p, age] of Object.entries(files)) {
      const keep = policy.layers[layerOf(p)];
      // The partition folder (dt=…, or the vault subject's file) goes whole when past retention.
      const partition = p.startsWith('vault/') ? p : p.slice(0, p.indexOf('/', p.search(/dt=/)));
      const expected = keep === null || keep === undefined || age < keep;
      expect({ p, exists: existsSync(join(dir, partition)) }).toEqual({ p, exists: expected });
    }
  });

  it('refuses an unknown action with what to run', async () => {
    const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await run(['purge', '--data', dir])).toBe(2);
      expect(String(e.mock.calls[0]?.[0])).toContain('c360 retention apply');
    } finally {
      e.mockRestore();
    }
  });
});
