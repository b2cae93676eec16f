import { createHash } from 'node:crypto';
import { ConfigError } from './errors';
import type { Trust } from './event';
import { safeSegment } from './partition';
import { isTrust } from './trust';

/**
 * Segment write keys. Keys are never stored in clear: the secret (Secrets Manager in AWS,
 * `<data>/state/write-keys.json` embedded) maps sha256(key) in hex to what the key may do:
 *
 * ```json
 * { "9f86d0…": { "source": "web", "trust": "client", "ratePerSecond": 200, "burst": 400, "dailyQuota": 5000000 },
 *   "2c26b4…": { "source": "backend", "trust": "server" },
 *   "4e07a1…": { "source": "ios", "trust": "client", "disabled": true } }
 * ```
 *
 * A bare string (`"9f86d0…": "web"`, the first format) is a client-side key with the default limits.
 * Editing the secret takes effect without a deploy (the ingest Lambda re-reads it every 5 minutes).
 */
export function hashWriteKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What one write key is allowed: its source, its trust and its limits. */
export interface WriteKeyGrant {
  source: string;
  trust: Trust;
  /** The key's label in metrics and logs: its own `name`, else the first 12 hex of its hash (never the key). */
  keyId: string;
  /** Sustained events per second (per ingest instance); absent: the deployment's default. */
  ratePerSecond?: number;
  /** Events at once above the rate; absent: twice the rate. */
  burst?: number;
  /** Events per UTC day across all instances; absent: unlimited. */
  dailyQuota?: number;
  /** A disabled key is refused (403) until it is enabled again. */
  disabled: boolean;
  /**
   * Identity verification (src/domain/identity-verification.ts): a user id sent with this key counts
   * only with its HMAC under this secret. For client-side keys; at least 32 characters.
   */
  identitySecret?: string;
}

const ENTRY_FIELDS = new Set([
  'source',
  'trust',
  'name',
  'ratePerSecond',
  'burst',
  'dailyQuota',
  'disabled',
  'identitySecret',
]);

function positive(hash: string, field: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new ConfigError(
      `write key ${hash.slice(0, 12)}…: "${field}" must be a positive number, got ${JSON.stringify(v)}`,
    );
  return v;
}

/** One entry of the table, checked field by field (a hand-edited secret names its mistake). */
export function parseGrant(hash: string, entry: unknown): WriteKeyGrant {
  const fields = typeof entry === 'string' ? { source: entry } : entry;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    throw new ConfigError(
      `write key ${hash.slice(0, 12)}…: expected a source name or {"source", "trust", …}, got ${JSON.stringify(entry)}`,
    );
  const f = fields as Record<string, unknown>;
  const unknown = Object.keys(f).filter((k) => !ENTRY_FIELDS.has(k));
  if (unknown.length > 0)
    throw new ConfigError(
      `write key ${hash.slice(0, 12)}…: unknown field(s) ${unknown.join(', ')}; allowed: ${[...ENTRY_FIELDS].join(', ')}`,
    );
  const source = f.source;
  // A source names the bronze partition (source=…). Firehose partitions by the value as sent
  // while the embedded lake would sanitize it, so a name that is not already path-safe would
  // land in different folders in AWS and embedded: refuse it where it is configured.
  if (typeof source !== 'string' || safeSegment(source) !== source)
    throw new ConfigError(
      `write-key source ${JSON.stringify(source)} is not a partition-safe name: use 1-64 letters, digits, "_", "." or "-"`,
    );
  const trust = f.trust ?? 'client';
  if (!isTrust(trust))
    throw new ConfigError(
      `write key ${hash.slice(0, 12)}…: "trust" must be "client" or "server", got ${JSON.stringify(trust)}`,
    );
  if (f.disabled !== undefined && typeof f.disabled !== 'boolean')
    throw new ConfigError(`write key ${hash.slice(0, 12)}…: "disabled" must be true or false`);
  if (f.name !== undefined && (typeof f.name !== 'string' || safeSegment(f.name) !== f.name))
    throw new ConfigError(
      `write key ${hash.slice(0, 12)}…: "name" must be 1-64 letters, digits, "_", "." or "-"`,
    );
  if (
    f.identitySecret !== undefined &&
    (typeof f.identitySecret !== 'string' || f.identitySecret.length < 32)
  )
    throw new ConfigError(
      `write key ${hash.slice(0, 12)}…: "identitySecret" must be a string of at least 32 characters`,
    );
  const ratePerSecond = positive(hash, 'ratePerSecond', f.ratePerSecond);
  const burst = positive(hash, 'burst', f.burst);
  const dailyQuota = positive(hash, 'dailyQuota', f.dailyQuota);
  return {
    source,
    trust,
    keyId: typeof f.name === 'string' ? f.name : hash.slice(0, 12).toLowerCase(),
    ...(ratePerSecond !== undefined ? { ratePerSecond } : {}),
    ...(burst !== undefined ? { burst } : {}),
    ...(dailyQuota !== undefined ? { dailyQuota: Math.floor(dailyQuota) } : {}),
    disabled: f.disabled === true,
    ...(typeof f.identitySecret === 'string' ? { identitySecret: f.identitySecret } : {}),
  };
}

export class HashedWriteKeys {
  private readonly byHash: Map<string, WriteKeyGrant>;

  constructor(hashToEntry: Record<string, unknown>) {
    this.byHash = new Map(Object.entries(hashToEntry).map(([h, e]) => [h.toLowerCase(), parseGrant(h, e)]));
  }

  /** Builds the table from clear keys (local config and tests only). */
  static fromClearKeys(keyToEntry: Record<string, unknown>): HashedWriteKeys {
    return new HashedWriteKeys(
      Object.fromEntries(Object.entries(keyToEntry).map(([k, e]) => [hashWriteKey(k), e])),
    );
  }

  /**
   * The grant of a key, or null. The lookup is by SHA-256 of the presented key, so the timing of
   * the map lookup reveals nothing usable about a stored key.
   */
  resolve(key: string): WriteKeyGrant | null {
    return this.byHash.get(hashWriteKey(key)) ?? null;
  }

  /** Every grant (listing and metrics; never the keys). */
  grants(): WriteKeyGrant[] {
    return [...this.byHash.values()];
  }
}

/** Reads the source for a write key from the HTTP Basic header (key as user) or the body's writeKey. */
export function writeKeyFromBasicAuth(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'basic' || !value) return null;
  let decoded: string;
  try {
    decoded = Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return null;
  }
  const user = decoded.split(':', 1)[0] ?? '';
  return user.length > 0 ? user : null;
}
