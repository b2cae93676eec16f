import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileVaultStore } from '../../../src/adapters/local/file-vault';
import { LocalKeyWrapper } from '../../../src/adapters/local/local-key-wrapper';
import { PiiVault } from '../../../src/domain/privacy/vault';
import {
  type ArchivedRecord,
  archiveLine,
  openRaw,
  rawPrefix,
  sealRaw,
} from '../../../src/domain/raw-archive';

describe('raw archive', () => {
  let dir: string;
  let vault: PiiVault;
  let keys: LocalKeyWrapper;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-raw-'));
    keys = new LocalKeyWrapper(randomBytes(32));
    vault = new PiiVault(new FileVaultStore(dir), keys);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const records = [
    {
      text: '{"email":"ada@example.com"}',
      receivedAt: '2026-03-01T10:15:00.000Z',
      origin: 's/1',
      subject: 'user_id:ada',
    },
    {
      text: '{"email":"bob@example.com"}',
      receivedAt: '2026-03-01T23:59:59.999Z',
      origin: 's/2',
      subject: 'user_id:bob',
    },
    {
      text: '{"n":"ada again"}',
      receivedAt: '2026-03-02T00:00:00.000Z',
      origin: 's/3',
      subject: 'user_id:ada',
    },
    {
      text: 'not json \u00e9 "quoted"',
      receivedAt: '2026-03-02T01:00:00.000Z',
      origin: 's/4',
      subject: null,
    },
  ];

  it('partitions by arrival day and hour', () => {
    expect(rawPrefix('2026-03-01T23:59:59.999Z')).toBe('raw/dt=2026-03-01/hour=23/');
    expect(rawPrefix('2026-03-02T00:00:00.000Z')).toBe('raw/dt=2026-03-02/hour=00/');
  });

  it('seals each record (no clear text), and opens every one back exactly, in order', async () => {
    const sealed = await sealRaw(vault, keys, undefined, records);
    expect(sealed.map((a) => [a.origin, a.subject, a.receivedAt])).toEqual(
      records.map((r) => [r.origin, r.subject, r.receivedAt]),
    );
    const text = sealed.map(archiveLine).join('\n');
    expect(text).not.toContain('example.com');
    expect(text).not.toContain('ada again');
    // A subject's records carry no key of their own; a record with no subject carries its batch's.
    expect(sealed.map((a) => a.key === undefined)).toEqual([true, true, true, false]);
    expect(await openRaw(vault, keys, sealed)).toEqual(records.map((r) => r.text));
  });

  it('a line is the record as JSON (built by hand, read by any JSON parser)', async () => {
    const sealed = await sealRaw(vault, keys, undefined, [
      ...records,
      {
        text: 'x',
        receivedAt: '2026-03-02T01:00:00.000Z',
        origin: 'sh"ard\\/9',
        subject: 'email_hash:"\u2028',
      },
    ]);
    for (const a of sealed) {
      expect(a.sealed).toMatch(/^[A-Za-z0-9_.-]+$/);
      expect(JSON.parse(archiveLine(a))).toEqual(JSON.parse(JSON.stringify(a)));
    }
  });

  it("a forgotten person's records cannot be opened (null), everyone else's still can", async () => {
    const sealed = await sealRaw(vault, keys, undefined, records);
    expect(await vault.shred('user_id:ada')).toBe(true);
    expect(await openRaw(vault, keys, sealed)).toEqual([null, records[1]?.text, null, records[3]?.text]);
  });

  it('a record moved under another subject, or altered, does not open: it throws, history is not silently shortened', async () => {
    const sealed = await sealRaw(vault, keys, undefined, records);
    const [ada, bob] = sealed as [ArchivedRecord, ArchivedRecord];
    await expect(openRaw(vault, keys, [{ ...ada, subject: bob.subject }])).rejects.toThrow();
    // One bit of the ciphertext flipped (in the bytes: a base64url character can carry unused bits).
    const parts = ada.sealed.split('.');
    const body = Buffer.from(parts[3] as string, 'base64url');
    body[0] = (body[0] as number) ^ 1;
    const flipped = [...parts.slice(0, 3), body.toString('base64url')].join('.');
    await expect(openRaw(vault, keys, [{ ...ada, sealed: flipped }])).rejects.toThrow();
    await expect(openRaw(vault, keys, [{ ...ada, subject: null }])).rejects.toThrow(
      /neither a subject nor a key/,
    );
    await expect(openRaw(vault, keys, [{ ...ada, v: 2 as 1 }])).rejects.toThrow(/record s\/1 is not v1/);
    await expect(openRaw(vault, keys, [{ ...ada, sealed: undefined as unknown as string }])).rejects.toThrow(
      /record s\/1 is not v1/,
    );
  });

  it('a batch key only when some record names nobody, unwrapped once for all its records', async () => {
    const calls = { generate: 0, unwrap: 0 };
    const counting = {
      generate: (c: Record<string, string>) => {
        calls.generate++;
        return keys.generate(c);
      },
      unwrap: (w: Buffer, c: Record<string, string>) => {
        calls.unwrap++;
        return keys.unwrap(w, c);
      },
    };
    const v = new PiiVault(new FileVaultStore(dir), counting);
    const named = records.filter((r) => r.subject !== null);
    await sealRaw(v, counting, undefined, named);
    // Two new subjects: their two vault keys, no batch key.
    expect(calls.generate).toBe(2);
    const anonymous = [records[3], { ...records[3], origin: 's/5', text: 'second' }] as typeof records;
    const sealed = await sealRaw(v, counting, undefined, anonymous);
    expect(calls.generate).toBe(3);
    expect(new Set(sealed.map((a) => a.key)).size).toBe(1);
    calls.unwrap = 0;
    expect(await openRaw(v, counting, sealed)).toEqual(['not json \u00e9 "quoted"', 'second']);
    expect(calls.unwrap).toBe(1);
  });

  it('reads each subject key once for a batch, and reuses what an earlier call in the batch read', async () => {
    const store = new FileVaultStore(dir);
    const reads: string[][] = [];
    const getKeys = store.getKeys.bind(store);
    store.getKeys = async (subjects) => {
      reads.push([...subjects]);
      return getKeys(subjects);
    };
    const known = new Map<string, Buffer>();
    await sealRaw(new PiiVault(store, keys), keys, known, records);
    expect(reads).toEqual([['user_id:ada', 'user_id:bob']]);
    // A vault with nothing cached reads nothing `known` holds.
    await new PiiVault(store, keys).put(
      new Map([['user_id:ada', [{ kind: 'email', field: 'email', value: 'ada@example.com' }]]]),
      known,
    );
    expect(reads).toHaveLength(1);
    // Within a minute the same vault reads no key again, even without `known`.
    const cached = new PiiVault(store, keys);
    await sealRaw(cached, keys, undefined, records);
    await sealRaw(cached, keys, undefined, records);
    expect(reads).toHaveLength(2);
  });
});
