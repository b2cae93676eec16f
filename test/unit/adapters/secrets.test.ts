import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerStore, SsmParameterStore } from '../../../src/adapters/aws/secrets';
import { ConfigSecretStore } from '../../../src/adapters/local/secrets';
import { SecretWriteKeys } from '../../../src/adapters/write-keys';
import { hashWriteKey } from '../../../src/domain/write-keys';

const sm = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);

describe('secret stores', () => {
  beforeEach(() => {
    sm.reset();
    ssm.reset();
  });

  it('Secrets Manager values are cached until the TTL passes', async () => {
    let t = 0;
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'v1' }).resolves({ SecretString: 'v2' });
    const store = new SecretsManagerStore(new SecretsManagerClient({}), 1000, () => t);
    expect(await store.get('arn:secret')).toBe('v1');
    t = 999;
    expect(await store.get('arn:secret')).toBe('v1');
    t = 1000;
    expect(await store.get('arn:secret')).toBe('v2');
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'arn:secret' });
  });

  it('an empty secret or parameter is a ConfigError naming it', async () => {
    sm.on(GetSecretValueCommand).resolves({});
    ssm.on(GetParameterCommand).resolves({ Parameter: {} });
    await expect(new SecretsManagerStore(new SecretsManagerClient({})).get('s')).rejects.toThrow(
      'secret s has no value',
    );
    await expect(new SsmParameterStore(new SSMClient({})).get('/p')).rejects.toThrow(
      'SSM parameter /p has no value',
    );
  });

  it('SSM parameters are read decrypted', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'x' } });
    expect(await new SsmParameterStore(new SSMClient({})).get('/c360/key')).toBe('x');
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/c360/key', WithDecryption: true });
  });

  it('write keys come from a secret of sha256 hashes; a bad secret says what shape it needs', async () => {
    const keys = new SecretWriteKeys(
      new ConfigSecretStore({ wk: JSON.stringify({ [hashWriteKey('k1')]: 'web' }) }),
      'wk',
    );
    expect(await keys.resolve('k1')).toMatchObject({ source: 'web', trust: 'client', disabled: false });
    expect(await keys.resolve('k2')).toBeNull();
    const bad = new SecretWriteKeys(new ConfigSecretStore({ wk: 'not json' }), 'wk');
    await expect(bad.resolve('k1')).rejects.toThrow(
      'must be JSON {"<sha256 hex of key>": {"source", "trust", …}}',
    );
    await expect(new ConfigSecretStore({}).get('nope')).rejects.toThrow('secret "nope" is not configured');
    for (const shape of ['[]', 'null', '"web"'])
      await expect(
        new SecretWriteKeys(new ConfigSecretStore({ wk: shape }), 'wk').resolve('k1'),
      ).rejects.toThrow('secret wk must be a JSON object of sha256(key) → grant');
  });

  it('the key table is read once per TTL (five minutes by default), so an edit applies without a deploy', async () => {
    let t = Date.parse('2026-03-01T10:00:00Z');
    const clock = { now: () => new Date(t) };
    let table: Record<string, unknown> = { [hashWriteKey('k1')]: 'web' };
    const reads = { n: 0 };
    const store = {
      get: async () => {
        reads.n++;
        return JSON.stringify(table);
      },
    };
    const keys = new SecretWriteKeys(store, 'wk', undefined, clock);
    expect((await keys.resolve('k1'))?.disabled).toBe(false);
    table = { [hashWriteKey('k1')]: { source: 'web', disabled: true } };
    t += 5 * 60_000; // exactly the TTL: still cached
    expect((await keys.resolve('k1'))?.disabled).toBe(false);
    expect(reads.n).toBe(1);
    t += 1;
    expect((await keys.resolve('k1'))?.disabled).toBe(true);
    expect(reads.n).toBe(2);
  });
});
