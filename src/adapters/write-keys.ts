import { ConfigError } from '../domain/errors';
import { HashedReadKeys, type ReadKeyGrant } from '../domain/read-keys';
import { HashedWriteKeys, type WriteKeyGrant } from '../domain/write-keys';
import type { Clock } from '../ports/clock';
import { systemClock } from '../ports/clock';
import type { SecretStore } from '../ports/secrets';
import type { DailyQuota, RateLimit, RateLimiter, WriteKeyResolver } from '../ports/write-keys';

/**
 * A key table read from a secret (JSON `{ sha256hex: grant }`) and cached for `ttlMs`, so a
 * rotated, added or disabled key is picked up without a redeploy. Works with any SecretStore
 * (AWS or local); `build` checks the table and indexes it.
 */
export class CachedSecretTable<T> {
  private cached: { table: T; at: number } | null = null;

  constructor(
    private readonly secrets: SecretStore,
    private readonly secretName: string,
    private readonly build: (table: Record<string, unknown>) => T,
    /** What a grant looks like, for the error a malformed secret gets. */
    private readonly shape: string,
    private readonly ttlMs = 5 * 60_000,
    private readonly clock: Clock = systemClock,
  ) {}

  async current(): Promise<T> {
    const now = this.clock.now().getTime();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const raw = await this.secrets.get(this.secretName);
      let table: unknown;
      try {
        table = JSON.parse(raw);
      } catch (err) {
        throw new ConfigError(
          `secret ${this.secretName} must be JSON {"<sha256 hex of key>": ${this.shape}}`,
          {
            cause: err,
          },
        );
      }
      if (typeof table !== 'object' || table === null || Array.isArray(table)) {
        throw new ConfigError(`secret ${this.secretName} must be a JSON object of sha256(key) → grant`);
      }
      this.cached = { table: this.build(table as Record<string, unknown>), at: now };
    }
    return this.cached.table;
  }
}

/** Write keys from a secret (src/domain/write-keys.ts). */
export class SecretWriteKeys implements WriteKeyResolver {
  private readonly table: CachedSecretTable<HashedWriteKeys>;
  constructor(secrets: SecretStore, secretName: string, ttlMs = 5 * 60_000, clock: Clock = systemClock) {
    this.table = new CachedSecretTable(
      secrets,
      secretName,
      (t) => new HashedWriteKeys(t),
      '{"source", "trust", …}',
      ttlMs,
      clock,
    );
  }
  async resolve(writeKey: string): Promise<WriteKeyGrant | null> {
    return (await this.table.current()).resolve(writeKey);
  }
}

/** Read keys from a secret (src/domain/read-keys.ts). */
export class SecretReadKeys {
  private readonly table: CachedSecretTable<HashedReadKeys>;
  constructor(secrets: SecretStore, secretName: string, ttlMs = 5 * 60_000, clock: Clock = systemClock) {
    this.table = new CachedSecretTable(
      secrets,
      secretName,
      (t) => new HashedReadKeys(t),
      '{"name", "ratePerSecond", …}',
      ttlMs,
      clock,
    );
  }
  async resolve(key: string): Promise<ReadKeyGrant | null> {
    return (await this.table.current()).resolve(key);
  }
}

/** A fixed table (local runtime and tests). */
export class StaticWriteKeys implements WriteKeyResolver {
  private readonly keys: HashedWriteKeys;
  constructor(keyToEntry: Record<string, unknown>) {
    this.keys = HashedWriteKeys.fromClearKeys(keyToEntry);
  }
  async resolve(writeKey: string): Promise<WriteKeyGrant | null> {
    return this.keys.resolve(writeKey);
  }
}

/**
 * Token bucket per bucket (a key's id) at the limit the caller names (the key's own rate). Buckets
 * live in this process: in AWS each ingest instance has its own, so a key's ceiling is its rate
 * times the instances (bounded by the function's reserved concurrency); the daily quota is the
 * shared, exact bound.
 */
export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly clock: Clock = systemClock) {}

  tryTake(bucket: string, events: number, limit: RateLimit): boolean {
    const { ratePerSecond: rate, burst } = limit;
    const now = this.clock.now().getTime();
    const b = this.buckets.get(bucket) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(bucket, b);
    if (b.tokens < events) return false;
    b.tokens -= events;
    return true;
  }
}

/** Daily quotas in this process's memory (the embedded server: one process per data folder). */
export class MemoryDailyQuota implements DailyQuota {
  private readonly used = new Map<string, number>();
  async consume(keyId: string, day: string, events: number, quota: number): Promise<boolean> {
    const id = `${keyId}#${day}`;
    const used = this.used.get(id) ?? 0;
    if (used + events > quota) return false;
    // Yesterday's counters are of no use once a new day is counted.
    if (!this.used.has(id))
      for (const k of this.used.keys()) if (k.startsWith(`${keyId}#`)) this.used.delete(k);
    this.used.set(id, used + events);
    return true;
  }
}
