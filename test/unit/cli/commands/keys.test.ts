import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../../src/cli/commands/keys';
import { hashWriteKey } from '../../../../src/domain/write-keys';
import { DEFAULT_WRITE_KEYS } from '../../../../src/runtime/local';

describe('c360 keys', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-keys-cli-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const capture = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s));
      return true;
    });
    try {
      return { code: await run(argv), out: out.join(''), err: err.join('') };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };
  const rows = (out: string) =>
    out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it("lists a new data folder's dev keys (hashes only), their sources and trust", async () => {
    const r = await capture(['list', '--data', dir, '--format', 'json']);
    expect(r.code).toBe(0);
    const listed = rows(r.out);
    const expected = Object.entries(DEFAULT_WRITE_KEYS).map(([key, e]) => ({
      hash: hashWriteKey(key).slice(0, 12),
      source: typeof e === 'string' ? e : e.source,
      trust: typeof e === 'string' ? 'client' : (e.trust ?? 'client'),
    }));
    expect(listed.map((l) => ({ hash: l.hash, source: l.source, trust: l.trust }))).toEqual(expected);
    expect(r.out).not.toContain('c360-local');
  });

  it('adds a key shown once (only its hash stored), disables and enables it by name or by source', async () => {
    const added = await capture([
      'add',
      '--source',
      'partner',
      '--trust',
      'server',
      '--name',
      'partner-1',
      '--rate',
      '50',
      '--daily-quota',
      '1000',
      '--data',
      dir,
      '--format',
      'json',
    ]);
    expect(added.code).toBe(0);
    const [{ key }] = rows(added.out) as [{ key: string }];
    expect(key).toMatch(/^c360_srv_[A-Za-z0-9_-]{32}$/);
    const table = await readFile(join(dir, 'state', 'write-keys.json'), 'utf8');
    expect(table).not.toContain(key);
    expect(JSON.parse(table)[hashWriteKey(key)]).toEqual({
      source: 'partner',
      trust: 'server',
      name: 'partner-1',
      ratePerSecond: 50,
      dailyQuota: 1000,
    });
    expect(rows((await capture(['disable', 'partner-1', '--data', dir, '--format', 'json'])).out)).toEqual([
      { key: 'partner-1', source: 'partner', trust: 'server', disabled: true },
    ]);
    const enabled = rows(
      (await capture(['enable', 'source:partner', '--data', dir, '--format', 'json'])).out,
    );
    expect(enabled).toEqual([{ key: 'partner-1', source: 'partner', trust: 'server', disabled: false }]);
    // A second key with the same name is refused: names identify keys in metrics.
    const again = await capture([
      'add',
      '--source',
      'x',
      '--trust',
      'client',
      '--name',
      'partner-1',
      '--data',
      dir,
    ]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/a write key named "partner-1" exists already/);
  });

  it('--verify-user-ids gives the key an identity secret, shown once with the key for the backend; the list says it verifies', async () => {
    const added = await capture([
      'add',
      '--source',
      'web',
      '--trust',
      'client',
      '--name',
      'shop',
      '--verify-user-ids',
      '--data',
      dir,
      '--format',
      'json',
    ]);
    const [{ key, identity_secret }] = rows(added.out) as [{ key: string; identity_secret: string }];
    expect(identity_secret).toMatch(/^[0-9a-f]{64}$/);
    const table = JSON.parse(await readFile(join(dir, 'state', 'write-keys.json'), 'utf8'));
    expect(table[hashWriteKey(key)].identitySecret).toBe(identity_secret);
    const listed = rows((await capture(['list', '--data', dir, '--format', 'json'])).out);
    expect(listed.find((l) => l.key === 'shop')).toMatchObject({ verifies_user_ids: true });
    expect(listed.filter((l) => l.verifies_user_ids === true)).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(identity_secret);
  });

  it('works on a copy of the AWS secret with --file, and says what is wrong with a bad one', async () => {
    const file = join(dir, 'secret.json');
    await writeFile(file, JSON.stringify({ [hashWriteKey('k')]: 'web' }));
    const r = await capture(['disable', 'source:web', '--file', file, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      [hashWriteKey('k')]: { source: 'web', disabled: true },
    });
    await writeFile(file, JSON.stringify({ [hashWriteKey('k')]: { source: 'web', trust: 'root' } }));
    const bad = await capture(['list', '--file', file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/"trust" must be "client" or "server", got "root"/);
    const missing = await capture(['disable', 'nobody', '--file', join(dir, 'none.json')]);
    expect([missing.code, missing.err]).toEqual([1, expect.stringContaining('no write-key table at')]);
  });

  it('usage errors exit 2 and say what is needed', async () => {
    expect((await capture(['add', '--source', 'web', '--data', dir])).err).toMatch(
      /--trust client\|server are required/,
    );
    expect((await capture(['add', '--source', 'web', '--data', dir])).code).toBe(2);
    expect((await capture(['disable', '--data', dir])).code).toBe(2);
    const unknown = await capture(['rotate', '--data', dir]);
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringContaining('unknown action "rotate"')]);
  });
});
