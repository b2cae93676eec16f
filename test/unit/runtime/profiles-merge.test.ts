import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbProfileStore } from '../../../src/adapters/local/lmdb-profile-store';
import { type LiveProfile, mergeLive, RECENT_EVENTS } from '../../../src/domain/profile';
import { mergeProvisionalLive } from '../../../src/runtime/profiles';

const half = (customerId: string, over: Partial<LiveProfile>): LiveProfile => ({
  customerId,
  identities: [],
  traits: {},
  firstSeen: '2026-01-01T00:00:00Z',
  lastSeen: '2026-01-01T00:00:00Z',
  recentEvents: [],
  updatedAt: 'x',
  ...over,
});
const ev = (eventId: string, at: string) => ({ eventId, type: 'track', event: 'Viewed', source: 'web', at });

describe('live halves after the daily identity resolution', () => {
  it('mergeLive: keys joined, events once each newest first and capped, times widened, the later half wins a trait', () => {
    const into = half('c_kept', {
      identities: ['user_id:u'],
      traits: { plan: 'pro', tier: 1 },
      firstSeen: '2026-01-02T00:00:00Z',
      lastSeen: '2026-01-05T00:00:00Z',
      recentEvents: [ev('a', '2026-01-05T00:00:00Z'), ev('shared', '2026-01-03T00:00:00Z')],
    });
    const from = half('c_prov', {
      identities: ['anonymous_id:x', 'user_id:u'],
      traits: { plan: 'free', seats: 2 },
      firstSeen: '2026-01-01T00:00:00Z',
      lastSeen: '2026-01-04T00:00:00Z',
      recentEvents: [ev('b', '2026-01-04T00:00:00Z'), ev('shared', '2026-01-03T00:00:00Z')],
    });
    const m = mergeLive(into, from, 'now');
    expect(m).toEqual({
      customerId: 'c_kept',
      identities: ['user_id:u', 'anonymous_id:x'],
      traits: { plan: 'pro', tier: 1, seats: 2 },
      firstSeen: '2026-01-01T00:00:00Z',
      lastSeen: '2026-01-05T00:00:00Z',
      recentEvents: [
        ev('a', '2026-01-05T00:00:00Z'),
        ev('b', '2026-01-04T00:00:00Z'),
        ev('shared', '2026-01-03T00:00:00Z'),
      ],
      updatedAt: 'now',
    });
    // The provisional half seen later wins the trait both hold.
    expect(mergeLive(into, { ...from, lastSeen: '2026-02-01T00:00:00Z' }, 'now').traits.plan).toBe('free');
    const many = (p: string) =>
      Array.from({ length: RECENT_EVENTS }, (_, i) =>
        ev(`${p}${i}`, `2026-01-0${p === 'x' ? 1 : 2}T00:00:${String(i).padStart(2, '0')}Z`),
      );
    expect(
      mergeLive(
        half('a', { recentEvents: many('x') }),
        half('b', { recentEvents: many('y') }),
        'n',
      ).recentEvents.map((e) => e.eventId),
    ).toEqual(
      many('y')
        .map((e) => e.eventId)
        .reverse(),
    );
  });

  it('folds a provisional half into the customer its keys now lead to, keys it alone has seen follow; others stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c360-profile-merge-'));
    const store = new LmdbProfileStore(dir, 'merge-test-secret');
    try {
      // The stream started c_prov (a device, then a login); c_lone is a visitor nobody merged.
      await store.writeLive(
        new Map([
          ['anonymous_id:dev', 'c_prov'],
          ['user_id:u', 'c_prov'],
          ['anonymous_id:new', 'c_prov'],
          ['anonymous_id:lone', 'c_lone'],
        ]),
        [
          half('c_prov', {
            identities: ['anonymous_id:dev', 'user_id:u', 'anonymous_id:new'],
            recentEvents: [ev('p1', '2026-01-01T00:00:00Z')],
          }),
          half('c_lone', {
            identities: ['anonymous_id:lone'],
            recentEvents: [ev('l1', '2026-01-01T00:00:00Z')],
          }),
        ],
      );
      // The daily run: the user id and the device belong to c_kept (anonymous_id:new came after it).
      await store.writeComputed(
        new Map([
          ['anonymous_id:dev', 'c_kept'],
          ['user_id:u', 'c_kept'],
        ]),
        [],
      );
      const merged = await mergeProvisionalLive(store, new Set(['c_kept', 'c_other']), 'now');
      expect(merged).toBe(1);
      expect(store.liveSync('c_prov')).toBeUndefined();
      expect(store.liveSync('c_kept')?.recentEvents.map((e) => e.eventId)).toEqual(['p1']);
      expect(store.customerOfSync('anonymous_id:new')).toBe('c_kept');
      // Not current, and its keys lead nowhere else: left as it is.
      expect(store.liveSync('c_lone')?.recentEvents.map((e) => e.eventId)).toEqual(['l1']);
      // A half whose keys the run split between two customers is not guessed at.
      await store.writeLive(
        new Map([
          ['user_id:a', 'c_split'],
          ['user_id:b', 'c_split'],
        ]),
        [half('c_split', { identities: ['user_id:a', 'user_id:b'] })],
      );
      await store.writeComputed(
        new Map([
          ['user_id:a', 'c_kept'],
          ['user_id:b', 'c_other'],
        ]),
        [],
      );
      expect(await mergeProvisionalLive(store, new Set(['c_kept', 'c_other']), 'now')).toBe(0);
      expect(store.liveSync('c_split')).toBeDefined();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
