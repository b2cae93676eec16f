import { ConfigError } from '../../../src/domain/errors';
import { bronzePartition, safeSegment } from '../../../src/domain/partition';
import { trustOf } from '../../../src/domain/trust';
import { HashedWriteKeys, hashWriteKey, writeKeyFromBasicAuth } from '../../../src/domain/write-keys';

/**
 * A write key's source names the bronze partition. Firehose's MetadataExtractionQuery takes the
 * source as sent (`.source`) while the embedded lake sanitizes it (safeSegment): the two agree
 * only if every configured source is already path-safe, so anything else is refused at load.
 */
describe('write-key sources', () => {
  it.each(['my shop', 'web/ios', '..', '', 'a'.repeat(65), 'café'])(
    'refuses %j where it is configured',
    (source) => {
      expect(safeSegment(source)).not.toBe(source);
      expect(() => new HashedWriteKeys({ [hashWriteKey('k')]: source })).toThrow(ConfigError);
      expect(() => HashedWriteKeys.fromClearKeys({ k: source })).toThrow(/partition-safe name/);
    },
  );

  it.each(['web', 'ios', 'server_2', 'shop.eu', 'b2b-portal'])(
    'accepts %j, and it is its own partition value',
    (source) => {
      const keys = HashedWriteKeys.fromClearKeys({ k: source });
      expect(keys.resolve('k')?.source).toBe(source);
      const p = bronzePartition({ source, type: 'track', receivedAt: '2026-11-30T10:00:00.000Z' } as never);
      // What Firehose computes from the record (.source) is the embedded partition.
      expect(p.source).toBe(source);
    },
  );

  it('an entry that is neither a source nor a grant (a secret edited by hand) is refused, saying what it needs', () => {
    for (const bad of [42, null, ['web']])
      expect(() => new HashedWriteKeys({ [hashWriteKey('k')]: bad as never })).toThrow(
        /expected a source name or \{"source", "trust", …\}/,
      );
    expect(() => new HashedWriteKeys({ [hashWriteKey('k')]: { name: 'web' } })).toThrow(
      /partition-safe name/,
    );
  });
});

describe('write-key grants', () => {
  const grant = (entry: unknown) => HashedWriteKeys.fromClearKeys({ k: entry }).resolve('k');

  it('a bare source name is a client-side key with no limits of its own (the first format)', () => {
    expect(grant('web')).toEqual({
      source: 'web',
      trust: 'client',
      keyId: hashWriteKey('k').slice(0, 12),
      disabled: false,
    });
  });

  it('a grant carries trust, name, limits and the switch as written', () => {
    expect(
      grant({
        source: 'backend',
        trust: 'server',
        name: 'be-1',
        ratePerSecond: 50,
        burst: 80,
        dailyQuota: 1e6,
        disabled: true,
      }),
    ).toEqual({
      source: 'backend',
      trust: 'server',
      keyId: 'be-1',
      ratePerSecond: 50,
      burst: 80,
      dailyQuota: 1e6,
      disabled: true,
    });
  });

  it.each([
    [{ source: 'web', trust: 'admin' }, /"trust" must be "client" or "server", got "admin"/],
    [{ source: 'web', ratePerSecond: 0 }, /"ratePerSecond" must be a positive number, got 0/],
    [{ source: 'web', burst: -1 }, /"burst" must be a positive number/],
    [{ source: 'web', dailyQuota: '10' }, /"dailyQuota" must be a positive number, got "10"/],
    [{ source: 'web', disabled: 'yes' }, /"disabled" must be true or false/],
    [{ source: 'web', name: 'a b' }, /"name" must be 1-64 letters/],
    [{ source: 'web', quota: 5 }, /unknown field\(s\) quota/],
  ])('refuses %j naming the field', (entry, message) => {
    expect(() => grant(entry)).toThrow(message);
  });

  it('an unknown key resolves to nothing; the hash is compared, not the key', () => {
    const keys = HashedWriteKeys.fromClearKeys({ k: 'web' });
    expect(keys.resolve('K')).toBeNull();
    expect(new HashedWriteKeys({ [hashWriteKey('k').toUpperCase()]: 'web' }).resolve('k')?.source).toBe(
      'web',
    );
  });
});

describe('trust of a record', () => {
  it('is the stamp the edge wrote; without one, a Segment record is client-side and every other kind server-side', () => {
    expect(trustOf({ kind: 'segment', trust: 'server' })).toBe('server');
    expect(trustOf({ kind: 'webhook', trust: 'client' })).toBe('client');
    expect(trustOf({ kind: 'segment' })).toBe('client');
    for (const kind of ['webhook', 'postback', 'batch_file'] as const)
      expect(trustOf({ kind })).toBe('server');
    // A stamp that is not a trust level is no stamp.
    expect(trustOf({ kind: 'segment', trust: 'admin' as never })).toBe('client');
    expect(trustOf({ kind: 'webhook', trust: '' as never })).toBe('server');
  });
});

describe('the write key of a request', () => {
  const basicOf = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;
  it('is the HTTP Basic user name, any case of the scheme, surrounding space ignored', () => {
    expect(writeKeyFromBasicAuth(basicOf('wk_1'))).toBe('wk_1');
    expect(writeKeyFromBasicAuth(`  basic   ${Buffer.from('wk_2:pw').toString('base64')} `)).toBe('wk_2');
  });
  it('is nothing for another scheme, no credentials or an empty user', () => {
    expect(writeKeyFromBasicAuth(undefined)).toBeNull();
    expect(writeKeyFromBasicAuth('')).toBeNull();
    expect(writeKeyFromBasicAuth(`Bearer ${Buffer.from('wk:').toString('base64')}`)).toBeNull();
    expect(writeKeyFromBasicAuth('Basic')).toBeNull();
    expect(writeKeyFromBasicAuth(basicOf(''))).toBeNull();
  });
});

describe('limits as numbers', () => {
  const grant = (entry: unknown) => HashedWriteKeys.fromClearKeys({ k: entry }).resolve('k');
  it.each([Number.NaN, Number.POSITIVE_INFINITY, -5])('refuses a rate of %p', (rate) => {
    expect(() => grant({ source: 'web', ratePerSecond: rate })).toThrow(
      /"ratePerSecond" must be a positive number/,
    );
  });
  it('names the key by its hash prefix in every refusal (never the key)', () => {
    const prefix = hashWriteKey('k').slice(0, 12);
    for (const bad of [
      { source: 'web', burst: 0 },
      { source: 'web', trust: 'x' },
      { source: 'web', disabled: 1 },
      { source: 'web', name: '' },
      7,
      { source: 'web', extra: 1 },
    ])
      expect(() => grant(bad)).toThrow(`write key ${prefix}…`);
    expect(() => grant({ source: 'web', extra: 1 })).toThrow(
      'unknown field(s) extra; allowed: source, trust, name, ratePerSecond, burst, dailyQuota, disabled, identitySecret',
    );
  });
  it('keeps only the limits given (no undefined fields), a fractional quota rounded down', () => {
    expect(Object.keys(grant({ source: 'web', ratePerSecond: 5 }) ?? {}).sort()).toEqual([
      'disabled',
      'keyId',
      'ratePerSecond',
      'source',
      'trust',
    ]);
    expect(grant({ source: 'web', dailyQuota: 10.9 })?.dailyQuota).toBe(10);
    expect(
      HashedWriteKeys.fromClearKeys({ a: 'web', b: { source: 'ios', name: 'i' } })
        .grants()
        .map((g) => g.keyId),
    ).toEqual([hashWriteKey('a').slice(0, 12), 'i']);
  });
});
