import { createHash } from 'node:crypto';
import { ConfigError } from './errors';
import { safeSegment } from './partition';

/**
 * Segment write keys. Keys are never stored in clear: the secret (Secrets Manager in AWS, the
 * local config embedded) maps sha256(key) in hex to a source name, e.g.
 * `{ "9f86d0…": "web", "2c26b4…": "ios" }`.
 */
export function hashWriteKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class HashedWriteKeys {
  private readonly byHash: Map<string, string>;

  constructor(hashToSource: Record<string, string>) {
    // A source names the bronze partition (source=…). Firehose partitions by the value as sent
    // while the embedded lake would sanitize it, so a name that is not already path-safe would
    // land in different folders in AWS and embedded: refuse it where it is configured.
    for (const source of Object.values(hashToSource))
      if (typeof source !== 'string' || safeSegment(source) !== source)
        throw new ConfigError(
          `write-key source ${JSON.stringify(source)} is not a partition-safe name: use 1-64 letters, digits, "_", "." or "-"`,
        );
    this.byHash = new Map(Object.entries(hashToSource).map(([h, s]) => [h.toLowerCase(), s]));
  }

  /** Builds the table from clear keys (local config and tests only). */
  static fromClearKeys(keyToSource: Record<string, string>): HashedWriteKeys {
    return new HashedWriteKeys(
      Object.fromEntries(Object.entries(keyToSource).map(([k, s]) => [hashWriteKey(k), s])),
    );
  }

  /**
   * The source name for a key, or null. The lookup is by SHA-256 of the presented key, so the
   * timing of the map lookup reveals nothing usable about a stored key.
   */
  resolve(key: string): string | null {
    return this.byHash.get(hashWriteKey(key)) ?? null;
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
