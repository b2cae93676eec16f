import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoVaultStore } from '../../../src/adapters/aws/dynamodb-vault';
import { KmsKeyWrapper } from '../../../src/adapters/aws/kms-key-wrapper';
import { FileVaultStore } from '../../../src/adapters/local/file-vault';
import { LocalKeyWrapper } from '../../../src/adapters/local/local-key-wrapper';
import { open, seal } from '../../../src/domain/privacy/sealed';
import { PiiVault, vaultSubject } from '../../../src/domain/privacy/vault';
import { enrichUnderTest } from '../../helpers/enrich';
import { kinesisEvent, segmentEnvelope } from '../../helpers/kinesis';

const key = Buffer.alloc(32, 7);

describe('sealed values (AES-256-GCM)', () => {
  it('round-trips, and refuses a wrong key, wrong associated data or a flipped byte', () => {
    const s = seal('Ada Lovelace', key, 'user_id:42');
    expect(s).not.toContain('Ada');
    expect(open(s, key, 'user_id:42').toString()).toBe('Ada Lovelace');
    expect(() => open(s, Buffer.alloc(32, 8), 'user_id:42')).toThrow();
    expect(() => open(s, key, 'user_id:43')).toThrow();
    const parts = s.split('.');
    const body = Buffer.from(parts[3] as string, 'base64url');
    body[0] = (body[0] as number) ^ 1;
    expect(() =>
      open([...parts.slice(0, 3), body.toString('base64url')].join('.'), key, 'user_id:42'),
    ).toThrow();
    // A truncated tag (GCM would check only its first bytes) is refused, whatever its length.
    for (const bytes of [4, 8, 12, 15]) {
      const short = Buffer.from(parts[2] as string, 'base64url')
        .subarray(0, bytes)
        .toString('base64url');
      expect(() => open([parts[0], parts[1], short, parts[3]].join('.'), key, 'user_id:42')).toThrow(
        `its tag is ${bytes} bytes, not 16`,
      );
    }
  });
});

describe('PII vault (embedded)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-vault-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps values sealed per subject, idempotently, and crypto-shreds a subject', async () => {
    const vault = new PiiVault(new FileVaultStore(dir), new LocalKeyWrapper(key));
    const values = [
      { kind: 'name' as const, field: 'firstName', value: 'Ada' },
      { kind: 'email' as const, field: 'email', value: 'ada@example.com' },
    ];
    await vault.put(new Map([['user_id:42', values]]));
    await vault.put(new Map([['user_id:42', values.slice(0, 1)]]));
    await vault.put(new Map([['user_id:7', [{ kind: 'name', field: 'lastName', value: 'Hopper' }]]]));
    expect(await vault.reveal('user_id:42')).toEqual(values);
    // Nothing in the vault's files is readable: no clear value, no subject id.
    for (const sub of ['keys', 'entries'])
      for (const f of await readdir(join(dir, sub))) {
        const text = await readFile(join(dir, sub, f), 'utf8');
        for (const clear of ['Ada', 'ada@example.com', 'Hopper', 'user_id'])
          expect(text).not.toContain(clear);
        expect(f).toMatch(/^[0-9a-f]{64}\.(key|ndjson)$/);
      }
    expect(await vault.shred('user_id:42')).toBe(true);
    expect(await vault.reveal('user_id:42')).toEqual([]);
    expect(await vault.shred('user_id:42')).toBe(false);
    expect(await vault.reveal('user_id:7')).toEqual([{ kind: 'name', field: 'lastName', value: 'Hopper' }]);
  });

  it('a key wrapped for one subject does not open as another', async () => {
    const keys = new LocalKeyWrapper(key);
    const k = await keys.generate({ purpose: 'vault', subject: 'user_id:1' });
    await expect(keys.unwrap(k.wrapped, { purpose: 'vault', subject: 'user_id:1' })).resolves.toEqual(
      k.plaintext,
    );
    await expect(keys.unwrap(k.wrapped, { purpose: 'vault', subject: 'user_id:2' })).rejects.toThrow();
  });

  it('the subject is the strongest identity key', () => {
    expect(
      vaultSubject([
        { type: 'anonymous_id', value: 'a1' },
        { type: 'email_hash', value: 'e1' },
      ]),
    ).toBe('email_hash:e1');
    expect(
      vaultSubject([
        { type: 'anonymous_id', value: 'a1' },
        { type: 'user_id', value: 'u1' },
      ]),
    ).toBe('user_id:u1');
    expect(vaultSubject([])).toBeNull();
  });

  it('enrich puts the clear values in the vault under the subject and seals quarantine originals', async () => {
    const vault = new PiiVault(new FileVaultStore(dir), new LocalKeyWrapper(key));
    const keys = new LocalKeyWrapper(key);
    const { handler, delivery, quarantine } = enrichUnderTest({ privacy: { vault, keys } });
    const identify = segmentEnvelope({
      type: 'identify',
      userId: 'u-9',
      messageId: 'm-id',
      traits: {
        email: 'Grace@Example.com',
        firstName: 'Grace',
        address: { street: '1 Navy Way' },
        birthday: '1906-12-09',
      },
    });
    const broken =
      '{"v":1,"kind":"segment","receivedAt":"2026-01-01T10:00:02.000Z","payload":{"type":"nope","email":"x@y.org"}}';
    await handler.process(kinesisEvent([identify, broken]).Records);
    const lake = delivery.items.map((i) => i.line).join('\n');
    for (const clear of ['Grace', '1 Navy Way', '1906-12-09']) expect(lake).not.toContain(clear);
    const stored = await vault.reveal('user_id:u-9');
    expect(stored).toEqual(
      expect.arrayContaining([
        { kind: 'email', field: 'email', value: 'Grace@Example.com' },
        { kind: 'name', field: 'firstName', value: 'Grace' },
        { kind: 'address', field: 'street', value: '1 Navy Way' },
        { kind: 'birthdate', field: 'birthday', value: '1906-12-09' },
      ]),
    );
    const q = quarantine.items.map((i) => i.line).join('\n');
    expect(q).not.toContain('x@y.org');
    expect(q).toContain('sealedOriginal');
  });
});

describe('enrich and the vault', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-vault-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const identify = (id: string) =>
    segmentEnvelope({ type: 'identify', userId: 'u-1', messageId: id, traits: { email: 'ada@example.com' } });

  it('a redelivered record costs no vault call (the shard checkpoint skips it before the vault)', async () => {
    const vault = new PiiVault(new FileVaultStore(dir), new LocalKeyWrapper(key));
    const puts: number[] = [];
    const counting = Object.assign(Object.create(vault), {
      put: async (m: Map<string, unknown[]>) => {
        puts.push(m.size);
        return vault.put(m as never);
      },
    }) as PiiVault;
    const { handler, delivery } = enrichUnderTest({
      privacy: { vault: counting, keys: new LocalKeyWrapper(key) },
    });
    const batch = kinesisEvent([identify('m-1')]);
    await handler.process(batch.Records);
    await handler.process(batch.Records);
    expect(puts).toEqual([1]);
    expect(delivery.items).toHaveLength(1);
    // The sender's own retry is a new record: stored again in bronze (silver keeps one), and the
    // vault, keyed by subject and value, still holds the one value.
    await handler.process(kinesisEvent([identify('m-1')], 2).Records);
    expect(puts).toEqual([1, 1]);
    expect(delivery.items).toHaveLength(2);
    expect(await vault.reveal('user_id:u-1')).toEqual([
      { kind: 'email', field: 'email', value: 'ada@example.com' },
    ]);
  });

  it('a vault failure fails the batch and releases its claims, so the redelivery stores the events', async () => {
    const vault = new PiiVault(new FileVaultStore(dir), new LocalKeyWrapper(key));
    let failing = true;
    const flaky = Object.assign(Object.create(vault), {
      put: async (m: Map<string, unknown[]>) => {
        if (failing) throw new Error('DynamoDB throttled the vault');
        return vault.put(m as never);
      },
    }) as PiiVault;
    const { handler, delivery } = enrichUnderTest({
      privacy: { vault: flaky, keys: new LocalKeyWrapper(key) },
    });
    const records = kinesisEvent([identify('m-1'), identify('m-2')]).Records;
    await expect(handler.process(records)).rejects.toThrow('DynamoDB throttled the vault');
    expect(delivery.items).toHaveLength(0);
    failing = false;
    const again = await handler.process(records);
    expect(again.failed.size).toBe(0);
    expect(delivery.items).toHaveLength(2);
    expect(await vault.reveal('user_id:u-1')).toEqual([
      { kind: 'email', field: 'email', value: 'ada@example.com' },
    ]);
  });
});

describe('PII vault on AWS (KMS + DynamoDB)', () => {
  const kms = mockClient(KMSClient);
  const ddb = mockClient(DynamoDBClient);
  beforeEach(() => {
    kms.reset();
    ddb.reset();
  });

  it('creates a subject key with KMS under its encryption context, conditionally, and shreds key then entries', async () => {
    const dataKey = Buffer.alloc(32, 3);
    kms
      .on(GenerateDataKeyCommand)
      .resolves({ Plaintext: dataKey, CiphertextBlob: Buffer.from('wrapped'), KeyId: 'k' });
    kms.on(DecryptCommand).resolves({ Plaintext: dataKey, KeyId: 'k' });
    ddb.on(GetItemCommand).resolves({});
    ddb.on(BatchGetItemCommand).resolves({ Responses: { keys: [] } });
    ddb.on(PutItemCommand).resolves({});
    ddb.on(BatchWriteItemCommand).resolves({});
    const vault = new PiiVault(
      new DynamoVaultStore({ keysTable: 'keys', entriesTable: 'entries' }, new DynamoDBClient({})),
      new KmsKeyWrapper('alias/c360-vault', new KMSClient({})),
    );
    await vault.put(new Map([['user_id:42', [{ kind: 'name', field: 'firstName', value: 'Ada' }]]]));
    const gen = kms.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input;
    expect(gen).toMatchObject({
      KeyId: 'alias/c360-vault',
      KeySpec: 'AES_256',
      EncryptionContext: { purpose: 'vault', subject: 'user_id:42' },
    });
    const puts = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      TableName: 'keys',
      ConditionExpression: 'attribute_not_exists(subject)',
      Item: { subject: { S: 'user_id:42' }, wrappedKey: { B: Buffer.from('wrapped') } },
    });
    const writes = ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input);
    expect(writes).toHaveLength(1);
    const item = writes[0]?.RequestItems?.entries?.[0]?.PutRequest?.Item;
    expect(item?.subject?.S).toBe('user_id:42');
    const sealed = item?.sealed?.S as string;
    expect(sealed).not.toContain('Ada');

    ddb
      .on(GetItemCommand)
      .resolves({ Item: { subject: { S: 'user_id:42' }, wrappedKey: { B: Buffer.from('wrapped') } } });
    ddb
      .on(QueryCommand)
      .resolves({ Items: [{ subject: { S: 'user_id:42' }, id: { S: 'e1' }, sealed: { S: sealed } }] });
    // The container that created the key reuses it; another one (a new vault) unwraps it with KMS.
    expect(await vault.reveal('user_id:42')).toEqual([{ kind: 'name', field: 'firstName', value: 'Ada' }]);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
    const other = new PiiVault(
      new DynamoVaultStore({ keysTable: 'keys', entriesTable: 'entries' }, new DynamoDBClient({})),
      new KmsKeyWrapper('alias/c360-vault', new KMSClient({})),
    );
    expect(await other.reveal('user_id:42')).toEqual([{ kind: 'name', field: 'firstName', value: 'Ada' }]);
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input).toMatchObject({
      KeyId: 'alias/c360-vault',
      EncryptionContext: { purpose: 'vault', subject: 'user_id:42' },
    });

    ddb.on(DeleteItemCommand).resolves({ Attributes: { subject: { S: 'user_id:42' } } });
    expect(await vault.shred('user_id:42')).toBe(true);
    const deletes = ddb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.TableName);
    expect(deletes).toEqual(['keys', 'entries']);
  });

  describe('batched', () => {
    const store = () =>
      new DynamoVaultStore(
        { keysTable: 'keys', entriesTable: 'entries', retentionDays: 30 },
        new DynamoDBClient({}),
        () => 1_000_000,
        {
          sleep: async () => {},
        },
      );
    const subjects = (n: number) => Array.from({ length: n }, (_, i) => `user_id:${i}`);

    it('reads keys 100 subjects a call (consistently), resends only the unprocessed ones, and leaves unknown subjects out', async () => {
      let call = 0;
      ddb
        .on(BatchGetItemCommand)
        .callsFake((input: { RequestItems: Record<string, { Keys: { subject: { S: string } }[] }> }) => {
          call++;
          const keys = input.RequestItems.keys?.Keys ?? [];
          // The first call leaves its last key unprocessed; odd subjects have no key.
          const answered = call === 1 ? keys.slice(0, -1) : keys;
          return {
            Responses: {
              keys: answered
                .filter((k) => Number(k.subject.S.split(':')[1]) % 2 === 0)
                .map((k) => ({ subject: k.subject, wrappedKey: { B: Buffer.from(k.subject.S) } })),
            },
            UnprocessedKeys: call === 1 ? { keys: { Keys: keys.slice(-1) } } : {},
          };
        });
      const wanted = [...subjects(150), 'user_id:0'];
      const found = await store().getKeys(wanted);
      const calls = ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems?.keys);
      expect(calls.map((c) => c?.Keys?.length)).toEqual([100, 1, 50]);
      expect(calls.every((c) => c?.ConsistentRead === true)).toBe(true);
      expect([...found.keys()].sort()).toEqual(
        subjects(150)
          .filter((_, i) => i % 2 === 0)
          .sort(),
      );
      expect(found.get('user_id:98')?.toString()).toBe('user_id:98');
    });

    it('a read still unprocessed after its retries is a DownstreamUnavailableError naming the table', async () => {
      ddb
        .on(BatchGetItemCommand)
        .callsFake((input: { RequestItems: Record<string, { Keys: unknown[] }> }) => ({
          Responses: { keys: [] },
          UnprocessedKeys: { keys: { Keys: input.RequestItems.keys?.Keys } },
        }));
      await expect(store().getKeys(['user_id:1'])).rejects.toThrow(
        expect.objectContaining({
          name: 'DownstreamUnavailableError',
          message: expect.stringContaining('vault keys table keys'),
        }),
      );
    });

    it('writes entries 25 a call with their TTL, one put per subject and id, resending only the unprocessed ones', async () => {
      let call = 0;
      ddb.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
        call++;
        const puts = input.RequestItems.entries ?? [];
        return { UnprocessedItems: call === 1 ? { entries: puts.slice(0, 2) } : {} };
      });
      const bySubject = new Map(
        subjects(30).map((s) => [
          s,
          [
            { id: 'a', sealed: 'x' },
            { id: 'a', sealed: 'x' },
            { id: 'b', sealed: 'y' },
          ],
        ]),
      );
      await store().putAllEntries(bySubject);
      const calls = ddb
        .commandCalls(BatchWriteItemCommand)
        .map((c) => c.args[0].input.RequestItems?.entries ?? []);
      // 60 distinct (subject, id) puts: 25 + 2 resent + 25 + 10.
      expect(calls.map((c) => c.length)).toEqual([25, 2, 25, 10]);
      const items = calls.flat().map((r) => r.PutRequest?.Item);
      const keysOf = new Set(items.map((i) => `${i?.subject?.S}/${i?.id?.S}`));
      expect(keysOf.size).toBe(60);
      expect(items[0]?.expiresAt?.N).toBe(String(1000 + 30 * 86_400));
      ddb.reset();
      ddb.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({
        UnprocessedItems: { entries: input.RequestItems.entries },
      }));
      await expect(
        store().putAllEntries(new Map([['user_id:1', [{ id: 'a', sealed: 'x' }]]])),
      ).rejects.toThrow(/vault entries table entries: 1 write\(s\) still unprocessed after 5 calls/);
    });

    it("puts many subjects at once: one key read, a data key only for new subjects, a known subject's key unwrapped once per container", async () => {
      const dataKey = Buffer.alloc(32, 3);
      kms.on(GenerateDataKeyCommand).callsFake((input: { EncryptionContext: { subject: string } }) => ({
        Plaintext: dataKey,
        CiphertextBlob: Buffer.from(`wrapped:${input.EncryptionContext.subject}`),
      }));
      kms.on(DecryptCommand).resolves({ Plaintext: dataKey });
      // user_id:0 is known already; the others are new.
      ddb.on(BatchGetItemCommand).resolves({
        Responses: {
          keys: [{ subject: { S: 'user_id:0' }, wrappedKey: { B: Buffer.from('wrapped:user_id:0') } }],
        },
      });
      ddb.on(PutItemCommand).resolves({});
      ddb.on(BatchWriteItemCommand).resolves({});
      const vault = new PiiVault(store(), new KmsKeyWrapper('k', new KMSClient({})));
      const email = (s: string) => ({ kind: 'email' as const, field: 'email', value: `${s}@example.com` });
      const batch = new Map(subjects(40).map((s) => [s, [email(s), email(s)]]));
      batch.set('user_id:empty', []);
      expect(await vault.put(batch)).toBe(40);
      expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(1);
      expect(ddb.commandCalls(BatchGetItemCommand)[0]?.args[0].input.RequestItems?.keys?.Keys).toHaveLength(
        40,
      );
      expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(39);
      expect(ddb.commandCalls(PutItemCommand)).toHaveLength(39);
      expect(kms.commandCalls(DecryptCommand)).toHaveLength(1);
      expect(ddb.commandCalls(BatchWriteItemCommand)).toHaveLength(2);
      // The same container again: the known key is not unwrapped twice.
      await vault.put(new Map([['user_id:0', [email('user_id:0')]]]));
      expect(kms.commandCalls(DecryptCommand)).toHaveLength(1);
      // Nothing to store: no call at all.
      ddb.resetHistory();
      expect(await vault.put(new Map([['user_id:9', []]]))).toBe(0);
      expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(0);
    });

    it("two writers racing on a new subject: the loser seals with the winner's key, never its own", async () => {
      const mine = Buffer.alloc(32, 1);
      const theirs = Buffer.alloc(32, 2);
      kms.on(GenerateDataKeyCommand).resolves({ Plaintext: mine, CiphertextBlob: Buffer.from('mine') });
      kms.on(DecryptCommand).resolves({ Plaintext: theirs });
      ddb.on(BatchGetItemCommand).resolves({ Responses: { keys: [] } });
      // The conditional put fails: the other writer's key is stored.
      ddb
        .on(PutItemCommand)
        .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
      ddb
        .on(GetItemCommand)
        .resolves({ Item: { subject: { S: 'user_id:1' }, wrappedKey: { B: Buffer.from('theirs') } } });
      ddb.on(BatchWriteItemCommand).resolves({});
      const vault = new PiiVault(store(), new KmsKeyWrapper('k', new KMSClient({})));
      await vault.put(
        new Map([['user_id:1', [{ kind: 'name' as const, field: 'firstName', value: 'Ada' }]]]),
      );
      expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input.CiphertextBlob).toEqual(
        Buffer.from('theirs'),
      );
      const sealed = ddb.commandCalls(BatchWriteItemCommand)[0]?.args[0].input.RequestItems?.entries?.[0]
        ?.PutRequest?.Item?.sealed?.S as string;
      expect(open(sealed, theirs, 'user_id:1').toString()).toContain('Ada');
      expect(() => open(sealed, mine, 'user_id:1')).toThrow();
    });

    it('the unwrapped-key cache holds at most its size, the oldest leaving first', async () => {
      const dataKey = Buffer.alloc(32, 3);
      kms.on(DecryptCommand).resolves({ Plaintext: dataKey });
      ddb
        .on(BatchGetItemCommand)
        .callsFake((input: { RequestItems: Record<string, { Keys: { subject: { S: string } }[] }> }) => ({
          Responses: {
            keys: (input.RequestItems.keys?.Keys ?? []).map((k) => ({
              subject: k.subject,
              wrappedKey: { B: Buffer.from(k.subject.S) },
            })),
          },
        }));
      ddb.on(BatchWriteItemCommand).resolves({});
      const vault = new PiiVault(store(), new KmsKeyWrapper('k', new KMSClient({})), 2);
      const put = (s: string) => vault.put(new Map([[s, [{ kind: 'name' as const, field: 'f', value: s }]]]));
      await put('user_id:a');
      await put('user_id:b');
      await put('user_id:a');
      expect(kms.commandCalls(DecryptCommand)).toHaveLength(2);
      await put('user_id:c'); // evicts a
      await put('user_id:b');
      expect(kms.commandCalls(DecryptCommand)).toHaveLength(3);
      await put('user_id:a');
      expect(kms.commandCalls(DecryptCommand)).toHaveLength(4);
    });
  });
});
