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
      expect(keys.resolve('k')).toBe(source);
      const p = bronzePartition({ source, type: 'track', receivedAt: '2026-11-30T10:00:00.000Z' } as never);
      // What Firehose computes from the record (.source) is the embedded partition.
      expect(p.source).toBe(source);
    },
  );

  it('a source that is not text (a secret edited by hand) is refused too', () => {
    for (const bad of [42, null, ['web'], { name: 'web' }])
      expect(() => new HashedWriteKeys({ [hashWriteKey('k')]: bad as never })).toThrow(/partition-safe name/);
  });
});
