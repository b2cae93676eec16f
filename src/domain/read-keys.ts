import { ConfigError } from './errors';
import { safeSegment } from './partition';
import { hashWriteKey } from './write-keys';

/**
 * Read keys: the credentials of the read APIs (the profile API), never a write key. Stored as the
 * write keys are (src/domain/write-keys.ts): a secret mapping sha256(key) in hex to the grant,
 * `ReadKeysSecretArn` in AWS, `<data>/state/read-keys.json` embedded (`c360 keys add --read`).
 *
 * ```json
 * { "9f86d0…": { "name": "storefront", "ratePerSecond": 500, "burst": 1000 },
 *   "2c26b4…": { "name": "support-tool", "disabled": true } }
 * ```
 */
export interface ReadKeyGrant {
  /** The key's label in metrics and logs (never the key). */
  keyId: string;
  /** Sustained requests per second (per API instance). */
  ratePerSecond: number;
  /** Requests at once above the rate. */
  burst: number;
  disabled: boolean;
}

export const DEFAULT_READ_RATE = 100;
const FIELDS = new Set(['name', 'ratePerSecond', 'burst', 'disabled']);

export function parseReadGrant(hash: string, entry: unknown): ReadKeyGrant {
  const at = `read key ${hash.slice(0, 12)}…`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new ConfigError(
      `${at}: expected {"name", "ratePerSecond", "burst", "disabled"}, got ${JSON.stringify(entry)}`,
    );
  const f = entry as Record<string, unknown>;
  const unknown = Object.keys(f).filter((k) => !FIELDS.has(k));
  if (unknown.length)
    throw new ConfigError(
      `${at}: unknown field(s) ${unknown.join(', ')}; allowed: ${[...FIELDS].join(', ')}`,
    );
  if (typeof f.name !== 'string' || safeSegment(f.name) !== f.name)
    throw new ConfigError(`${at}: "name" must be 1-64 letters, digits, "_", "." or "-"`);
  for (const k of ['ratePerSecond', 'burst'] as const)
    if (f[k] !== undefined && (typeof f[k] !== 'number' || !Number.isFinite(f[k]) || (f[k] as number) <= 0))
      throw new ConfigError(`${at}: "${k}" must be a positive number, got ${JSON.stringify(f[k])}`);
  if (f.disabled !== undefined && typeof f.disabled !== 'boolean')
    throw new ConfigError(`${at}: "disabled" must be true or false`);
  const ratePerSecond = (f.ratePerSecond as number | undefined) ?? DEFAULT_READ_RATE;
  return {
    keyId: f.name,
    ratePerSecond,
    burst: (f.burst as number | undefined) ?? 2 * ratePerSecond,
    disabled: f.disabled === true,
  };
}

export class HashedReadKeys {
  private readonly byHash: Map<string, ReadKeyGrant>;
  constructor(table: Record<string, unknown>) {
    this.byHash = new Map(Object.entries(table).map(([h, e]) => [h.toLowerCase(), parseReadGrant(h, e)]));
  }
  static fromClearKeys(keyToEntry: Record<string, unknown>): HashedReadKeys {
    return new HashedReadKeys(
      Object.fromEntries(Object.entries(keyToEntry).map(([k, e]) => [hashWriteKey(k), e])),
    );
  }
  resolve(key: string): ReadKeyGrant | null {
    return this.byHash.get(hashWriteKey(key)) ?? null;
  }
}

/** The key of a read request: `Authorization: Bearer KEY`, or Basic with the key as user. */
export function readKeyOf(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (!value) return null;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const user = Buffer.from(value, 'base64').toString('utf8').split(':', 1)[0] ?? '';
    return user || null;
  }
  return null;
}
