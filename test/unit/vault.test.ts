import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoVaultStore } from '../../src/adapters/aws/dynamodb-vault';
import { KmsKeyWrapper } from '../../src/adapters/aws/kms-key-wrapper';
import { FileVaultStore } from '../../src/adapters/local/file-vault';
import { LocalKeyWrapper } from '../../src/adapters/local/local-key-wrapper';
import { open, seal } from '../../src/domain/privacy/sealed';
import { PiiVault, vaultSubject } from '../../src/domain/privacy/vault';
import { enrichUnderTest } from '../helpers/enrich';
import { kinesisEvent, segmentEnvelope } from '../helpers/kinesis';

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
    expect(await vault.reveal('user_id:42')).toEqual([{ kind: 'name', field: 'firstName', value: 'Ada' }]);
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input).toMatchObject({
      KeyId: 'alias/c360-vault',
      EncryptionContext: { purpose: 'vault', subject: 'user_id:42' },
    });

    ddb.on(DeleteItemCommand).resolves({ Attributes: { subject: { S: 'user_id:42' } } });
    expect(await vault.shred('user_id:42')).toBe(true);
    const deletes = ddb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.TableName);
    expect(deletes).toEqual(['keys', 'entries']);
  });
});
