import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExclusive } from '../../src/adapters/local/files';
import { LocalReplayGuard } from '../../src/adapters/local/replay-guard';
import { localPrivacy } from '../../src/runtime/local-enrich';

/**
 * State a crash may have left half written (issue 26, defect 8): an empty replay-guard marker
 * made every retry of that webhook fail forever, an empty vault key file blocked all enrichment.
 * Files are now written whole and linked into place, and what an older build left empty is
 * recognized as never written.
 */
describe('state left by a crash', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-crash-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('an empty replay marker guards nothing: the retry claims it and is accepted once', async () => {
    const guard = new LocalReplayGuard({ dir, now: () => 1_000 });
    const name = createHash('sha256').update('stripe\u0000evt_1').digest('hex');
    writeFileSync(join(dir, name), '');
    expect(await guard.claim('stripe', 'evt_1', 'retry')).toBe('claimed');
    await guard.confirm('stripe', 'evt_1', 'retry');
    expect(await guard.claim('stripe', 'evt_1', 'again')).toBe('duplicate');
    // A half-written one (not a marker at all) is stale too.
    writeFileSync(join(dir, createHash('sha256').update('stripe\u0000evt_2').digest('hex')), '{"state":"pen');
    expect(await guard.claim('stripe', 'evt_2', 'retry')).toBe('claimed');
    // No temporary file is left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an empty vault key file is replaced by a key; a damaged one still stops with what to do', async () => {
    const state = join(dir, 'state');
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'vault.key'), '');
    const { keys } = localPrivacy(dir);
    const wrapped = await keys.generate({ purpose: 'vault', subject: 's' });
    expect(
      (await keys.unwrap(wrapped.wrapped, { purpose: 'vault', subject: 's' })).equals(wrapped.plaintext),
    ).toBe(true);
    expect(readFileSync(join(state, 'vault.key'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    // Opening again keeps the same key (nothing sealed with it is lost).
    const again = localPrivacy(dir).keys;
    expect(
      (await again.unwrap(wrapped.wrapped, { purpose: 'vault', subject: 's' })).equals(wrapped.plaintext),
    ).toBe(true);
    writeFileSync(join(state, 'vault.key'), 'not a key');
    expect(() => localPrivacy(dir)).toThrow(/restore it from a backup/);
  });

  it('createExclusive: the whole content or no file, never two winners', async () => {
    const file = join(dir, 'marker');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => createExclusive(file, JSON.stringify({ owner: i }))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ owner: winner });
    expect((await readdir(dir)).sort()).toEqual(['marker']);
  });
});
