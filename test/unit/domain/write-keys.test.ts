import { ConfigError } from '../../../src/domain/errors';
import { bronzePartition, safeSegment } from '../../../src/domain/partition';
import { HashedWriteKeys, hashWriteKey } from '../../../src/domain/write-keys';

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
