import type { WriteKeyGrant } from '../domain/write-keys';

/** Maps a Segment write key to what it may do (null when unknown). */
export interface WriteKeyResolver {
  resolve(writeKey: string): Promise<WriteKeyGrant | null>;
}

/** A token bucket's shape: sustained events per second and how many at once. */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

/** Admission control per bucket (a key): false when the bucket is over its rate. */
export interface RateLimiter {
  tryTake(bucket: string, events: number, limit: RateLimit): boolean;
}

/**
 * Events per UTC day per key, shared by every ingest instance (DynamoDB in AWS, the embedded
 * server's memory): `consume` counts `events` against `quota` and answers false, counting
 * nothing, when they would go over it.
 */
export interface DailyQuota {
  consume(keyId: string, day: string, events: number, quota: number): Promise<boolean>;
}
