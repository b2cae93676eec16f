import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../../domain/errors';
import { parseReadGrant } from '../../domain/read-keys';
import { isTrust } from '../../domain/trust';
import { hashWriteKey } from '../../domain/write-keys';
import { DEFAULT_DATA_DIR, DEFAULT_WRITE_KEYS, localPaths } from '../../runtime/local';
import { DEFAULT_READ_KEYS, localReadKeyFile } from '../../runtime/profiles';
import {
  addKey,
  ensureKeyTable,
  listGrants,
  localKeyTableFile,
  readKeyTable,
  setDisabled,
  writeKeyTable,
} from '../../runtime/write-key-table';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

const USAGE =
  'c360 keys list | add --source S --trust client|server [--name N] [--rate R] [--burst B] [--daily-quota Q] | disable KEY | enable KEY';

/**
 * Write keys: who may send events, how far they are trusted, their limits, and a switch to turn a
 * key off without a deploy. Works on the data folder's table or, with --file, on a copy of the AWS
 * secret (docs/security.md "Disable a key").
 */
export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 keys')
    .description(
      'Lists, adds, disables and enables Segment write keys. A client-side key (browser, mobile app) is public: ' +
        'its events never count as revenue and its emails never move an existing account. A server-side key ' +
        '(your backend) may send orders. Keys are stored hashed; "add" prints the new key once. A disabled key ' +
        'gets 403 within 2 s on "c360 serve" and within 5 minutes in AWS (after the secret is updated: docs/security.md).',
    )
    .argument('<action>', 'list | add | disable | enable')
    .argument('[key]', "for disable/enable: a key's name or hash prefix (8+ hex), or source:<name>")
    .option('--source <name>', 'add: the source (bronze partition) the key sends as')
    .option('--trust <level>', 'add: client (public SDK key) or server (secret backend key)')
    .option('--name <name>', "add: the key's label in metrics and in this list")
    .option('--rate <events/s>', 'add: sustained events per second', positive('--rate'))
    .option('--burst <events>', 'add: events at once above the rate (default 2 × rate)', positive('--burst'))
    .option('--daily-quota <events>', 'add: events per UTC day', positive('--daily-quota'))
    .option(
      '--verify-user-ids',
      'add: user ids sent with this key count only with context.userIdHash = HMAC-SHA256(identity secret, userId) from your backend',
    )
    .option(
      '--read',
      "work on the read keys instead (the profile API's credentials, never a write key): list | add --name N [--rate R --burst B] | disable NAME | enable NAME",
    )
    .option('--file <json>', "work on this table (a copy of the AWS secret) instead of the data folder's")
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{
    source?: string;
    trust?: string;
    name?: string;
    rate?: number;
    burst?: number;
    dailyQuota?: number;
    verifyUserIds?: boolean;
    read?: boolean;
    file?: string;
    format: string;
    data: string;
  }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const [action, selector] = parsed.args;
  if (o.read) return keyTableErrors(() => readKeys(action ?? '', selector, o));
  const file = o.file ?? localKeyTableFile(localPaths(o.data).state);
  if (!o.file) ensureKeyTable(file, DEFAULT_WRITE_KEYS);
  return keyTableErrors(async () => {
    if (action === 'list') {
      const rows = listGrants(await readKeyTable(file)).map((g) => ({
        key: g.keyId,
        hash: g.hash,
        source: g.source,
        trust: g.trust,
        rate_per_s: g.ratePerSecond ?? '',
        burst: g.burst ?? '',
        daily_quota: g.dailyQuota ?? '',
        verifies_user_ids: g.identitySecret !== undefined,
        disabled: g.disabled,
      }));
      process.stdout.write(formatRows(rows, o.format));
      return 0;
    }
    if (action === 'add') {
      if (!o.source || !o.trust || !isTrust(o.trust)) {
        process.stderr.write(
          'c360 keys add: --source NAME and --trust client|server are required (client: a key that ships in a page or app; server: a secret your backend holds)\n',
        );
        return 2;
      }
      const { key, grant, identitySecret } = await addKey(file, {
        source: o.source,
        trust: o.trust,
        name: o.name,
        ratePerSecond: o.rate,
        burst: o.burst,
        dailyQuota: o.dailyQuota,
        verifyUserIds: o.verifyUserIds,
      });
      process.stdout.write(
        formatRows(
          [
            {
              key,
              name: grant.keyId,
              source: grant.source,
              trust: grant.trust,
              ...(identitySecret ? { identity_secret: identitySecret } : {}),
            },
          ],
          o.format,
        ),
      );
      process.stderr.write(
        `keep the key now: only its hash is stored${o.file ? `; put ${file} into the WriteKeysSecret (docs/security.md)` : ''}\n`,
      );
      return 0;
    }
    if (action === 'disable' || action === 'enable') {
      if (!selector) {
        process.stderr.write(`c360 keys ${action}: name the key (see "c360 keys list") or source:<name>\n`);
        return 2;
      }
      const changed = await setDisabled(file, selector, action === 'disable');
      process.stdout.write(
        formatRows(
          changed.map((g) => ({ key: g.keyId, source: g.source, trust: g.trust, disabled: g.disabled })),
          o.format,
        ),
      );
      return 0;
    }
    process.stderr.write(`c360 keys: unknown action "${action}" (use: ${USAGE})\n`);
    return 2;
  });
}

/** A key table's mistakes (a hand-edited entry, a name taken, a missing file) are the caller's to fix: exit 1 with the reason. */
async function keyTableErrors(work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`c360 keys: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** `c360 keys … --read`: the read-key table (DIR/state/read-keys.json, or a copy of ReadKeysSecret with --file). */
async function readKeys(
  action: string,
  selector: string | undefined,
  o: { name?: string; rate?: number; burst?: number; file?: string; format: string; data: string },
): Promise<number> {
  const file = o.file ?? localReadKeyFile(o.data);
  if (!o.file) ensureKeyTable(file, DEFAULT_READ_KEYS);
  const table = await readKeyTable(file, parseReadGrant, 'read-key');
  const grants = () => Object.entries(table).map(([hash, e]) => ({ hash, ...parseReadGrant(hash, e) }));
  if (action === 'list') {
    process.stdout.write(
      formatRows(
        grants().map((g) => ({
          key: g.keyId,
          hash: g.hash.slice(0, 12),
          rate_per_s: g.ratePerSecond,
          burst: g.burst,
          disabled: g.disabled,
        })),
        o.format,
      ),
    );
    return 0;
  }
  if (action === 'add') {
    if (!o.name) {
      process.stderr.write(
        'c360 keys add --read: --name NAME is required (the caller: storefront, support-tool, …)\n',
      );
      return 2;
    }
    if (grants().some((g) => g.keyId === o.name))
      throw new ConfigError(`a read key named "${o.name}" exists already: choose another --name`);
    const key = `c360_read_${randomBytes(24).toString('base64url')}`;
    const entry = Object.fromEntries(
      Object.entries({ name: o.name, ratePerSecond: o.rate, burst: o.burst }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    await writeKeyTable(file, { ...table, [hashWriteKey(key)]: entry }, parseReadGrant);
    process.stdout.write(formatRows([{ key, name: o.name }], o.format));
    process.stderr.write(
      `keep the key now: only its hash is stored${o.file ? `; put ${file} into the ReadKeysSecret` : ''}\n`,
    );
    return 0;
  }
  if (action === 'disable' || action === 'enable') {
    const hit = grants().filter((g) => g.keyId === selector);
    if (!hit.length) {
      process.stderr.write(
        `c360 keys ${action} --read: no read key named "${selector ?? ''}" (see "c360 keys list --read")\n`,
      );
      return 2;
    }
    for (const g of hit) table[g.hash] = { ...(table[g.hash] as object), disabled: action === 'disable' };
    await writeKeyTable(file, table, parseReadGrant);
    process.stdout.write(
      formatRows(
        hit.map((g) => ({ key: g.keyId, disabled: action === 'disable' })),
        o.format,
      ),
    );
    return 0;
  }
  process.stderr.write(
    `c360 keys --read: unknown action "${action}" (use: list | add --name N | disable NAME | enable NAME)\n`,
  );
  return 2;
}
