import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDedupeStore } from '../../../../src/adapters/local/dedupe';

/**
 * The embedded dedupe log (issue 26, defect 8): it was read as one string and never compacted,
 * so at ~2.9M events enrich failed for good; and a consumer killed between claim and commit left
 * leases that blocked its records until they expired.
 */
describe('LocalDedupeStore log', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-dedupe-'));
    file = join(dir, 'dedupe.log');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);

  it('stays as large as the ids alive within the TTL, not the events ever seen', async () => {
    let now = 0;
    const store = new LocalDedupeStore({ file, ttlSeconds: 10, now: () => now, compactSlack: 50 });
    for (let i = 0; i < 100; i++) {
      await store.claim([`e${i}`], 'o');
      await store.commit([`e${i}`], 'o');
      now += 1000; // ten ids alive at any time
    }
    expect(lines().length).toBeLessThanOrEqual(10 + 50 + 2);
    // What survived compaction still answers as before, after a restart too.
    const reopened = new LocalDedupeStore({ file, ttlSeconds: 10, now: () => now });
    expect(await reopened.claim(['e99', 'e98', 'e50'], 'p')).toEqual({
      claimed: ['e50'],
      duplicates: ['e99', 'e98'],
      inFlight: [],
    });
  });

  it('a consumer holding the lock takes over the leases a killed one left; without it they stay in flight', async () => {
    const first = new LocalDedupeStore({ file, now: () => 0 });
    await first.claim(['a', 'b'], 'dead');
    await first.claim(['c'], 'dead');
    await first.commit(['c'], 'dead');
    expect((await new LocalDedupeStore({ file, now: () => 1 }).claim(['a'], 'x')).inFlight).toEqual(['a']);
    const next = new LocalDedupeStore({ file, now: () => 1, takeOver: true });
    expect(next.takenOver).toBe(2);
    expect(await next.claim(['a', 'b', 'c'], 'me')).toEqual({
      claimed: ['a', 'b'],
      duplicates: ['c'],
      inFlight: [],
    });
  });

  it('a last line cut short by a crash is ignored; the rest of the log still counts', async () => {
    writeFileSync(file, `d 99999999999999 o e1\nd 99999999999999 o e2\nd 9999`);
    const store = new LocalDedupeStore({ file, now: () => 0 });
    expect((await store.claim(['e1', 'e2', 'e3'], 'n')).duplicates).toEqual(['e1', 'e2']);
  });
});
