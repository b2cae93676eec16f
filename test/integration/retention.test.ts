import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { run } from '../../src/cli/commands/retention';
import { loadRetention } from '../../src/runtime/retention';

const NOW = new Date('2026-11-30T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

async function capture(
  fn: () => Promise<number>,
): Promise<{ code: number; rows: Record<string, unknown>[] }> {
  let out = '';
  const w = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  try {
    const code = await fn();
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, rows };
  } finally {
    w.mockRestore();
  }
}

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

  it('ages the raw stream out: consumed segments past stream_hours go, unconsumed ones stay', async () => {
    const streamDir = join(dir, 'stream', 'events');
    const stream = new FileEventStream(streamDir, undefined, { segmentBytes: 1, durable: false });
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com'])
      await stream.put([{ partitionKey: email, data: Buffer.from(JSON.stringify({ email })) }]);
    const segments = () => readdir(streamDir).then((f) => f.filter((n) => n.startsWith('seg-')).sort());
    expect(await segments()).toHaveLength(3);
    const old = daysAgo((policy.stream_hours ?? 0) / 24 + 1);
    for (const f of await segments()) await utimes(join(streamDir, f), old, old);
    // enrich has consumed the first two records only.
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(join(dir, 'state', 'enrich.checkpoint'), '00000000000000000002');
    const json = await capture(() =>
      run(['apply', '--as-of', '2026-11-30', '--data', dir, '--format', 'json']),
    );
    expect(json.rows.find((r) => r.layer === 'stream')).toMatchObject({ partitions: 3, dropped: 2 });
    expect(await segments()).toEqual(['seg-00000000000000000003.ndjson']);
    const left = await new FileEventStream(streamDir).read(null, 10);
    expect(left.map((r) => r.partitionKey)).toEqual(['c@example.com']);
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
