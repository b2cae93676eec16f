import { ConfigError } from '../domain/errors';
import { HashedWriteKeys } from '../domain/write-keys';
import type { Clock } from '../ports/clock';
import { systemClock } from '../ports/clock';
import type { SecretStore } from '../ports/secrets';
import type { RateLimiter, WriteKeyResolver } from '../ports/write-keys';

/**
 * Write keys loaded from a secret (JSON `{ sha256hex: source }`) and cached for `ttlMs`, so a
 * rotated key is picked up without a redeploy. Works with any SecretStore (AWS or local).
 */
export class SecretWriteKeys implements WriteKeyResolver {
  private cached: { keys: HashedWriteKeys; at: number } | null = null;

  constructor(
    private readonly secrets: SecretStore,
    private readonly secretName: string,
    private readonly ttlMs = 5 * 60_000,
    private readonly clock: Clock = systemClock,
  ) {}

  async resolve(writeKey: string): Promise<string | null> {
    const now = this.clock.now().getTime();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const raw = await this.secrets.get(this.secretName);
      let table: unknown;
      try {
        table = JSON.parse(raw);
      } catch (err) {
        throw new ConfigError(`secret ${this.secretName} must be JSON {"<sha256 hex of key>": "<source>"}`, {
          cause: err,
        });
      }
      if (typeof table !== 'object' || table === null || Array.isArray(table)) {
        throw new ConfigError(`secret ${this.secretName} must be a JSON object of sha256(key) → source`);
      }
      this.cached = { keys: new HashedWriteKeys(table as Record<string, string>), at: now };
    }
    return this.cached.keys.resolve(writeKey);
  }
}

/** A fixed table (local runtime and tests). */
export class StaticWriteKeys implements WriteKeyResolver {
  private readonly keys: HashedWriteKeys;
  constructor(keyToSource: Record<string, string>) {
    this.keys = HashedWriteKeys.fromClearKeys(keyToSource);
  }
  async resolve(writeKey: string): Promise<string | null> {
    return this.keys.resolve(writeKey);
  }
}

/** Token bucket per source: `ratePerSecond` sustained, `burst` at once. */
export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {}

  tryTake(source: string, events: number): boolean {
    const now = this.clock.now().getTime();
    const b = this.buckets.get(source) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.buckets.set(source, b);
    if (b.tokens < events) return false;
    b.tokens -= events;
    return true;
  }
}
