import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as audiences } from '../../../../src/cli/commands/audiences';
import { run as dashboard } from '../../../../src/cli/commands/dashboard';
import { run as keys } from '../../../../src/cli/commands/keys';
import { run as profiles } from '../../../../src/cli/commands/profiles';
import { AUDIENCES } from '../../../../src/domain/audiences';
import { runEtl } from '../../../../src/etl/runner';
import { canonical } from '../../../helpers/canonical';
import { writeBronze } from '../../../helpers/lake';

/** `c360 profiles`, `c360 audiences` and `c360 keys --read` on a small lake: output, exit codes, what to do next. */
describe('c360 profiles / audiences / keys --read', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-profiles-cli-'));
    const order = (id: string, user: string, ts: string) =>
      canonical({
        eventId: id,
        type: 'order_completed',
        event: 'Order Completed',
        userId: user,
        timestamp: ts,
        receivedAt: ts,
        identities: [{ type: 'user_id', value: user }],
        properties: { orderId: id, amount: 5000, currency: 'USD', status: 'paid' },
      });
    await writeBronze(join(dir, 'lake'), [
      order('o-1', 'ada', '2026-03-01T10:00:00.000Z'),
      order('o-2', 'ada', '2026-03-02T10:00:00.000Z'),
      order('o-3', 'alan', '2026-03-02T11:00:00.000Z'),
    ]);
    await runEtl({ lakeDir: join(dir, 'lake'), from: '2026-03-01', to: '2026-03-02' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const capture = async (run: (argv: string[]) => Promise<number>, argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      return { code: await run([...argv, '--data', dir]), out: out.join(''), err: err.join('') };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };

  it('dashboard --serve without a warehouse says what to run first', async () => {
    const r = await capture(dashboard, ['--serve', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('run "npm start" or "c360 warehouse load" first');
  });

  it('profiles: get before a sync says what to run; sync writes every customer of gold; get answers as the API', async () => {
    const before = await capture(profiles, ['get', 'user_id:ada']);
    expect(before.code).toBe(1);
    expect(before.err).toContain('run "c360 profiles sync"');
    const sync = await capture(profiles, ['sync', '--format', 'json']);
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.out.trim().split('\n')[0] as string)).toMatchObject({ profiles: 2, removed: 0 });
    const ada = await capture(profiles, ['get', 'user_id:ada', '--format', 'json']);
    expect(ada.code).toBe(0);
    const answer = JSON.parse(ada.out);
    expect(answer.identities).toEqual(['user_id:ada']);
    expect(answer.computed).toMatchObject({ orders: 2, net_usd: '100.00' });
    const stats = await capture(profiles, ['stats', '--format', 'json']);
    expect(JSON.parse(stats.out.trim())).toEqual({ live: 0, computed: 2, identity_links: 2 });
    expect((await capture(profiles, ['get', 'nonsense'])).code).toBe(2);
    expect((await capture(profiles, ['get'])).code).toBe(2);
    expect((await capture(profiles, ['frobnicate'])).code).toBe(2);
  });

  it('audiences: list and preview the gold table; sync without destinations says where to add one', async () => {
    const list = await capture(audiences, ['list', '--format', 'json']);
    expect(list.code).toBe(0);
    // Every defined audience, with its size and last run's moves (none of these customers consented).
    const listed = list.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { audience: string; members: number; description: string });
    expect(listed.map((r) => r.audience)).toEqual(AUDIENCES.map((a) => a.name));
    expect(listed.map((r) => r.description)).toEqual(AUDIENCES.map((a) => a.description));
    expect(listed.every((r) => r.members === 0)).toBe(true);
    const empty = await capture(audiences, ['preview', 'win_back', '--format', 'csv']);
    expect(empty.code).toBe(0);
    expect(empty.err).toBe('');
    const unknown = await capture(audiences, ['preview', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no audience "nope"');
    const sync = await capture(audiences, ['sync']);
    expect(sync.code).toBe(1);
    expect(sync.err).toContain(join(dir, 'state', 'destinations.json'));
    await writeFile(
      join(dir, 'state', 'destinations.json'),
      '{"destinations": [{"name": "x y", "type": "file", "audiences": "*"}]}',
    );
    await expect(capture(audiences, ['sync'])).rejects.toThrow('"name" must be 1-64 letters');
  });

  it('keys --read: add prints a key once, list shows it with the dev key, disable turns it off', async () => {
    const add = await capture(keys, [
      'add',
      '--read',
      '--name',
      'storefront',
      '--rate',
      '50',
      '--format',
      'json',
    ]);
    expect(add.code).toBe(0);
    const { key } = JSON.parse(add.out.trim());
    expect(key).toMatch(/^c360_read_[A-Za-z0-9_-]{32}$/);
    const list = await capture(keys, ['list', '--read', '--format', 'json']);
    const rows = list.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.key).sort()).toEqual(['dev', 'storefront']);
    expect(rows.find((r) => r.key === 'storefront')).toMatchObject({
      rate_per_s: 50,
      burst: 100,
      disabled: false,
    });
    expect(JSON.stringify(rows)).not.toContain(key);
    expect((await capture(keys, ['disable', 'storefront', '--read'])).code).toBe(0);
    const after = (await capture(keys, ['list', '--read', '--format', 'json'])).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(after.find((r) => r.key === 'storefront')?.disabled).toBe(true);
    expect((await capture(keys, ['add', '--read'])).code).toBe(2);
    expect((await capture(keys, ['add', '--read', '--name', 'storefront'])).code).toBe(1);
    expect((await capture(keys, ['disable', 'nobody', '--read'])).code).toBe(2);
  });
});
