import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createExclusiveSync, replaceFile } from '../adapters/local/files';
import { ConfigError } from '../domain/errors';
import type { Trust } from '../domain/event';
import { hashWriteKey, parseGrant, type WriteKeyGrant } from '../domain/write-keys';

/**
 * The write-key table as a file: the embedded run's (`<data>/state/write-keys.json`, read by
 * `c360 serve` every 2 seconds) or a copy of the AWS secret (`WriteKeysSecretArn`) being edited
 * with `c360 keys … --file`. Same format either way (src/domain/write-keys.ts): hashes only.
 */
export type KeyTable = Record<string, unknown>;

/** The embedded table's secret name: `<state>/<name>.json`. */
export const LOCAL_WRITE_KEYS_SECRET = 'write-keys';

export function localKeyTableFile(stateDir: string): string {
  return join(stateDir, `${LOCAL_WRITE_KEYS_SECRET}.json`);
}

/** Hashes a clear-key table (dev defaults, tests) into the stored format. */
export function hashedTable(keyToEntry: Record<string, unknown>): KeyTable {
  return Object.fromEntries(Object.entries(keyToEntry).map(([k, e]) => [hashWriteKey(k), e]));
}

/** Creates the table with `defaults` unless it exists (atomic: two first runs agree). */
export function ensureKeyTable(file: string, defaults: Record<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true });
  createExclusiveSync(file, `${JSON.stringify(hashedTable(defaults), null, 2)}\n`);
}

/** A table's entries checked one by one: the write keys' grants, or the read keys' (`parseReadGrant`). */
type EntryCheck = (hash: string, entry: unknown) => unknown;

export async function readKeyTable(
  file: string,
  check: EntryCheck = parseGrant,
  kind = 'write-key',
): Promise<KeyTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ConfigError(
        `no ${kind} table at ${file}: run "c360 serve" once to create the data folder's, or pass the file of the AWS secret with --file`,
      );
    throw err;
  }
  let table: unknown;
  try {
    table = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not JSON: fix it or restore it from the secret`, { cause: err });
  }
  if (typeof table !== 'object' || table === null || Array.isArray(table))
    throw new ConfigError(`${file} must be a JSON object of sha256(key) → grant`);
  for (const [hash, entry] of Object.entries(table)) check(hash, entry);
  return table as KeyTable;
}

export async function writeKeyTable(
  file: string,
  table: KeyTable,
  check: EntryCheck = parseGrant,
): Promise<void> {
  // Checked before it is written: a table the edge would refuse never lands.
  for (const [hash, entry] of Object.entries(table)) check(hash, entry);
  await replaceFile(file, `${JSON.stringify(table, null, 2)}\n`);
}

/** The grants of a table with their hashes' first 12 hex (never the keys). */
export function listGrants(table: KeyTable): (WriteKeyGrant & { hash: string })[] {
  return Object.entries(table).map(([hash, entry]) => ({
    ...parseGrant(hash, entry),
    hash: hash.slice(0, 12),
  }));
}

export interface NewKey {
  source: string;
  trust: Trust;
  name?: string;
  ratePerSecond?: number;
  burst?: number;
  dailyQuota?: number;
  /** Give the key an identity secret (its user ids then need their HMAC). */
  verifyUserIds?: boolean;
}

/** Adds a key given in clear (`c360 serve --write-key`) unless the table has it already. */
export async function addClearKeyIfAbsent(
  file: string,
  key: string,
  entry: Record<string, unknown>,
): Promise<void> {
  const table = await readKeyTable(file);
  if (!(hashWriteKey(key) in table)) await writeKeyTable(file, { ...table, [hashWriteKey(key)]: entry });
}

/**
 * Adds a fresh random key; returns it in clear (shown once: only its hash is kept), and its identity
 * secret when asked for (kept in the table: the edge needs it to check user ids).
 */
export async function addKey(
  file: string,
  spec: NewKey,
): Promise<{ key: string; grant: WriteKeyGrant; identitySecret?: string }> {
  const table = await readKeyTable(file);
  if (spec.name && listGrants(table).some((g) => g.keyId === spec.name))
    throw new ConfigError(`a write key named "${spec.name}" exists already: choose another --name`);
  const key = `c360_${spec.trust === 'server' ? 'srv' : 'pub'}_${randomBytes(24).toString('base64url')}`;
  const hash = hashWriteKey(key);
  const { verifyUserIds, ...fields } = spec;
  const identitySecret = verifyUserIds ? randomBytes(32).toString('hex') : undefined;
  const entry = Object.fromEntries(
    Object.entries({ ...fields, identitySecret }).filter(([, v]) => v !== undefined),
  );
  await writeKeyTable(file, { ...table, [hash]: entry });
  return { key, grant: parseGrant(hash, entry), ...(identitySecret ? { identitySecret } : {}) };
}

/**
 * Disables or enables the keys a selector names: a key's name or hash prefix (at least 8 hex), or
 * `source:<name>` for every key of a source. Takes effect without a deploy or restart: the AWS
 * ingest re-reads the secret within 5 minutes, `c360 serve` within 2 seconds.
 */
export async function setDisabled(
  file: string,
  selector: string,
  disabled: boolean,
): Promise<WriteKeyGrant[]> {
  const table = await readKeyTable(file);
  const bySource = selector.startsWith('source:') ? selector.slice('source:'.length) : null;
  const chosen = Object.entries(table).filter(([hash, entry]) => {
    const g = parseGrant(hash, entry);
    if (bySource !== null) return g.source === bySource;
    return (
      g.keyId === selector || (selector.length >= 8 && hash.toLowerCase().startsWith(selector.toLowerCase()))
    );
  });
  if (chosen.length === 0)
    throw new ConfigError(
      `no write key matches "${selector}": use a key's name or hash prefix from "c360 keys list", or source:<name>`,
    );
  const next = { ...table };
  for (const [hash, entry] of chosen) {
    const fields: Record<string, unknown> =
      typeof entry === 'string' ? { source: entry } : { ...(entry as Record<string, unknown>) };
    if (disabled) fields.disabled = true;
    else delete fields.disabled;
    next[hash] = fields;
  }
  await writeKeyTable(file, next);
  return chosen.map(([hash]) => parseGrant(hash, next[hash]));
}
