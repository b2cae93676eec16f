import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore, MemoryCheckpointStore } from '../../../src/adapters/local/checkpoint';
import {
  advanceCheckpoint,
  alreadyHandled,
  compareSequence,
  deliveredBeyond,
  emptyCheckpoint,
  keyDigest,
  MAX_BEYOND_KEYS,
} from '../../../src/domain/stream-checkpoint';
import type { ShardCheckpoint } from '../../../src/ports/checkpoint';

// Real Kinesis sequence numbers (56 digits) differ past what a double holds.
const K1 = '49590338271490256608559692538361571095921575989136588898';
const K2 = '49590338271490256608559692538361571095921575989136588899';

describe('shard checkpoint', () => {
  it('compares sequence numbers as numbers, not as strings or doubles', () => {
    expect(compareSequence(K1, K2)).toBe(-1);
    expect(compareSequence(K2, K1)).toBe(1);
    expect(compareSequence(K1, K1)).toBe(0);
    expect(compareSequence('9', '10')).toBe(-1);
    expect(Number(K1) === Number(K2)).toBe(true);
  });

  it('digests a key to 96 bits of its SHA-256', () => {
    const expected = createHash('sha256').update('segment:m1').digest().subarray(0, 12).toString('base64url');
    expect(keyDigest('segment:m1')).toBe(expected);
  });

  it('moves `through` over the leading done records and keeps the keys delivered after the first failure', () => {
    const next = advanceCheckpoint(emptyCheckpoint(), [
      { seq: '1', done: true, deliveredKeys: ['a'] },
      { seq: '2', done: true, deliveredKeys: [] },
      { seq: '3', done: false, deliveredKeys: ['c1'] },
      { seq: '4', done: true, deliveredKeys: ['d'] },
      { seq: '5', done: false, deliveredKeys: [] },
    ]);
    expect(next?.next).toEqual({
      through: '2',
      beyond: [
        { seq: '3', keys: [keyDigest('c1')] },
        { seq: '4', keys: [keyDigest('d')] },
      ],
    });
    const cp = { ...(next?.next as Omit<ShardCheckpoint, 'version'>), version: 1 };
    expect(alreadyHandled(cp, '2')).toBe(true);
    expect(alreadyHandled(cp, '3')).toBe(false);
    expect([...deliveredBeyond(cp)].sort()).toEqual([keyDigest('c1'), keyDigest('d')].sort());
    // The redelivery from 3 on succeeds: `through` passes every kept entry, which are dropped.
    const after = advanceCheckpoint(cp, [
      { seq: '3', done: true, deliveredKeys: ['c2'] },
      { seq: '4', done: true, deliveredKeys: [] },
      { seq: '5', done: true, deliveredKeys: ['e'] },
    ]);
    expect(after?.next).toEqual({ through: '5', beyond: [] });
  });

  it('changes nothing for a batch that moves nothing (no write), and never moves `through` back', () => {
    const cp = { through: '10', beyond: [], version: 3 };
    expect(advanceCheckpoint(cp, [{ seq: '11', done: false, deliveredKeys: [] }])).toBeNull();
    expect(advanceCheckpoint(cp, [])).toBeNull();
    expect(advanceCheckpoint(cp, [{ seq: '7', done: true, deliveredKeys: [] }])).toBeNull();
    expect(alreadyHandled(emptyCheckpoint(), '1')).toBe(false);
    // Kept entries: the same record failing again with nothing new delivered changes nothing;
    // a key delivered from it this time, or another record, changes the checkpoint.
    const kept = { through: '10', beyond: [{ seq: '12', keys: [keyDigest('a')] }], version: 4 };
    expect(advanceCheckpoint(kept, [{ seq: '11', done: false, deliveredKeys: [] }])).toBeNull();
    expect(advanceCheckpoint(kept, [{ seq: '11', done: false, deliveredKeys: ['a2'] }])?.next.beyond).toEqual(
      [
        { seq: '11', keys: [keyDigest('a2')] },
        { seq: '12', keys: [keyDigest('a')] },
      ],
    );
    expect(
      advanceCheckpoint(kept, [
        { seq: '11', done: false, deliveredKeys: [] },
        { seq: '12', done: false, deliveredKeys: ['b'] },
      ])?.next.beyond,
    ).toEqual([{ seq: '12', keys: [keyDigest('a'), keyDigest('b')] }]);
    expect(
      advanceCheckpoint(kept, [
        { seq: '11', done: false, deliveredKeys: [] },
        { seq: '13', done: false, deliveredKeys: ['a'] },
      ])?.next.beyond,
    ).toEqual([
      { seq: '12', keys: [keyDigest('a')] },
      { seq: '13', keys: [keyDigest('a')] },
    ]);
  });

  it(`keeps at most ${MAX_BEYOND_KEYS} keys, those nearest to \`through\``, () => {
    const keys = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    const out = advanceCheckpoint(emptyCheckpoint(), [
      { seq: '1', done: false, deliveredKeys: [] },
      { seq: '2', done: false, deliveredKeys: keys('a', MAX_BEYOND_KEYS - 10) },
      { seq: '3', done: false, deliveredKeys: keys('b', 20) },
      { seq: '4', done: false, deliveredKeys: keys('c', 10) },
    ]);
    expect(out?.droppedKeys).toBe(20);
    expect(out?.next.beyond.map((b) => [b.seq, b.keys.length])).toEqual([
      ['2', MAX_BEYOND_KEYS - 10],
      ['4', 10],
    ]);
  });
});

describe('checkpoint stores', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-cp-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  for (const [name, make] of [
    ['memory', () => new MemoryCheckpointStore()],
    ['file', () => new FileCheckpointStore(join(dir, 'checkpoints'))],
  ] as const) {
    it(`${name}: writes over the version read, refuses a stale one`, async () => {
      const store = make();
      expect(await store.get('shardId-000000000000')).toEqual(emptyCheckpoint());
      expect(await store.put('shardId-000000000000', { through: K1, beyond: [] }, 0)).toBe(true);
      expect(await store.put('shardId-000000000000', { through: K2, beyond: [] }, 0)).toBe(false);
      expect(await store.get('shardId-000000000000')).toEqual({ through: K1, beyond: [], version: 1 });
      expect(
        await store.put('shardId-000000000000', { through: K2, beyond: [{ seq: '9', keys: ['x'] }] }, 1),
      ).toBe(true);
      expect(await store.get('shardId-000000000000')).toEqual({
        through: K2,
        beyond: [{ seq: '9', keys: ['x'] }],
        version: 2,
      });
      expect((await store.get('shardId-000000000001')).version).toBe(0);
    });
  }

  it('file: one JSON file per shard; a shard id cannot name a path; a damaged file says what to do', async () => {
    const store = new FileCheckpointStore(join(dir, 'checkpoints'));
    await store.put('shardId-000000000000', { through: '3', beyond: [] }, 0);
    expect(JSON.parse(await readFile(join(dir, 'checkpoints', 'shardId-000000000000.json'), 'utf8'))).toEqual(
      {
        through: '3',
        beyond: [],
        version: 1,
      },
    );
    await expect(store.get('../escape')).rejects.toThrow('not a shard id');
    await writeFile(join(dir, 'checkpoints', 'shardId-000000000009.json'), '{"through":"1"}');
    await expect(store.get('shardId-000000000009')).rejects.toThrow('remove it');
    await writeFile(join(dir, 'checkpoints', 'shardId-000000000008.json'), '{"through":"1","beyond":[]}');
    await expect(store.get('shardId-000000000008')).rejects.toThrow('remove it');
    await writeFile(join(dir, 'checkpoints', 'shardId-000000000007.json'), '{"through":"1","version":2}');
    await expect(store.get('shardId-000000000007')).rejects.toThrow('remove it');
  });
});
