import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FileSuppressionList } from '../adapters/local/file-suppression';
import { C360Error } from '../domain/errors';
import { LATEST_VERSION } from '../domain/warehouse/migrations';
import { withLakeLock } from '../etl/publish';
import { localPaths } from '../paths';
import { reapplyErasures } from './forget';
import { holdConsumerLock } from './local-enrich';

/**
 * `c360 backup` / `c360 restore`: a copy of the data folder's stores that a disaster cannot
 * reach (another disk), and the way back from it.
 *
 * What is copied: the lake, the warehouse, the PII vault and the state (keys, checkpoints, key
 * table, suppression list); not the stream (it is its own durable store, as Kinesis is: after a
 * restore the consumer replays every event it still holds past the backup's checkpoint), nor what
 * is rendered again (dashboards, reports, metrics). Taken with the consumer and ETL locks held,
 * so no batch or run is half-written in it; a manifest with every file's size and SHA-256 is
 * written last, so a backup without one is incomplete.
 *
 * What a restore must not roll back: erasures. The suppression list kept is the union of the
 * current one and the backup's, and every erasure is applied again after the files are back
 * (`reapplyErasures`), so a person forgotten after the backup was taken is forgotten again. The
 * keys (pii.key, vault.key) are never replaced by different ones: a backup made under another
 * key is refused.
 */
export const BACKUP_PARTS = ['lake', 'warehouse', 'vault', 'state'] as const;

/** Locks, lock owners and an ETL run's staging: never part of a backup. */
const SKIPPED = /(^|\/)(_staging|[^/]*\.lock|[^/]*\.owner)(\/|$)/;
const KEYS = ['state/pii.key', 'state/vault.key'];
const SUPPRESSION = 'state/suppression.txt';

export interface BackupManifest {
  format: 'c360-backup/1';
  createdAt: string;
  dataDir: string;
  /** The warehouse migration version of the code that made it. */
  warehouseVersion: number;
  files: { path: string; bytes: number; sha256: string }[];
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function filesUnder(root: string, part: string): Promise<string[]> {
  const dir = join(root, part);
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = relative(root, join(e.parentPath, e.name)).split('\\').join('/');
    if (!SKIPPED.test(rel)) out.push(rel);
  }
  return out.sort();
}

/** The data folder's consumer and ETL locks, held while `fn` runs (nothing else writes meanwhile). */
async function quiesced<T>(dataDir: string, who: string, fn: () => Promise<T>): Promise<T> {
  const paths = localPaths(dataDir);
  const release = await holdConsumerLock(paths.root, who, {
    busy: (holder, root) =>
      new C360Error(`${holder} is working on ${root}: stop it (c360 serve: Ctrl-C), then rerun ${who}`),
  });
  try {
    await mkdir(paths.lake, { recursive: true });
    return await withLakeLock(paths.lake, fn);
  } finally {
    await release();
  }
}

export async function backupDataFolder(opts: {
  dataDir?: string;
  to: string;
  now?: () => Date;
  onProgress?: (m: string) => void;
}): Promise<BackupManifest> {
  const paths = localPaths(opts.dataDir);
  if (!existsSync(paths.root)) throw new C360Error(`no data folder at ${paths.root}: nothing to back up`);
  if (existsSync(opts.to) && (await readdir(opts.to)).length)
    throw new C360Error(`${opts.to} is not empty: back up into a new folder (one backup per folder)`);
  return quiesced(paths.root, 'c360 backup', async () => {
    const files: BackupManifest['files'] = [];
    for (const part of BACKUP_PARTS) {
      const list = await filesUnder(paths.root, part);
      opts.onProgress?.(`backing up ${part}/ (${list.length} files)`);
      for (const rel of list) {
        const target = join(opts.to, rel);
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        await copyFile(join(paths.root, rel), target);
        files.push({ path: rel, bytes: (await stat(target)).size, sha256: await sha256(target) });
      }
    }
    const manifest: BackupManifest = {
      format: 'c360-backup/1',
      createdAt: (opts.now?.() ?? new Date()).toISOString(),
      dataDir: paths.root,
      warehouseVersion: LATEST_VERSION,
      files,
    };
    await writeFile(join(opts.to, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`, {
      mode: 0o600,
    });
    return manifest;
  });
}

export interface RestoreReport {
  backupCreatedAt: string;
  files: number;
  bytes: number;
  /** Identities on the suppression list after the restore (the current list and the backup's). */
  suppressed: number;
  /** Customers erased again because the backup still held them. */
  erasuresReapplied: number;
}

/** Reads and checks a backup: its manifest, then every file's size and checksum. */
export async function verifyBackup(from: string): Promise<BackupManifest> {
  const file = join(from, 'manifest.json');
  if (!existsSync(file))
    throw new C360Error(
      `${from} has no manifest.json: not a complete c360 backup (the backup did not finish)`,
    );
  const m = JSON.parse(await readFile(file, 'utf8')) as BackupManifest;
  if (m.format !== 'c360-backup/1') throw new C360Error(`${file}: unknown backup format ${String(m.format)}`);
  for (const f of m.files) {
    const path = join(from, f.path);
    if (!existsSync(path)) throw new C360Error(`the backup lacks ${f.path}: it is damaged, use another one`);
    if ((await stat(path)).size !== f.bytes || (await sha256(path)) !== f.sha256)
      throw new C360Error(
        `${f.path} in the backup does not match its checksum: it is damaged, use another one`,
      );
  }
  if (m.warehouseVersion > LATEST_VERSION)
    throw new C360Error(
      `the backup's warehouse is at migration ${m.warehouseVersion}, newer than this release's ${LATEST_VERSION}: restore it with that release`,
    );
  return m;
}

export async function restoreDataFolder(opts: {
  dataDir?: string;
  from: string;
  onProgress?: (m: string) => void;
}): Promise<RestoreReport> {
  const paths = localPaths(opts.dataDir);
  const say = opts.onProgress ?? (() => {});
  say(`checking ${opts.from}`);
  const manifest = await verifyBackup(opts.from);
  for (const key of KEYS) {
    const current = join(paths.root, key);
    const saved = join(opts.from, key);
    if (existsSync(current) && existsSync(saved) && !readFileSync(current).equals(readFileSync(saved)))
      throw new C360Error(
        `${key} differs from the backup's: it was made under another key (another data folder?); restore into an empty folder instead`,
      );
  }
  await mkdir(paths.root, { recursive: true });
  const restored = await quiesced(paths.root, 'c360 restore', async () => {
    const suppression = new FileSuppressionList(join(paths.root, SUPPRESSION));
    const current = await suppression.load();
    for (const part of BACKUP_PARTS) {
      say(`restoring ${part}/`);
      for (const rel of await filesUnder(paths.root, part))
        if (!KEYS.includes(rel)) await rm(join(paths.root, rel), { force: true });
    }
    for (const f of manifest.files) {
      const target = join(paths.root, f.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await copyFile(join(opts.from, f.path), target);
    }
    // Erasures are never rolled back: the list is the backup's and the current one together.
    await suppression.add([...current]);
    return { suppressed: (await suppression.load()).size };
  });
  say('re-applying erasures');
  const again = await reapplyErasures({ dataDir: paths.root, onProgress: say });
  return {
    backupCreatedAt: manifest.createdAt,
    files: manifest.files.length,
    bytes: manifest.files.reduce((a, f) => a + f.bytes, 0),
    suppressed: restored.suppressed,
    erasuresReapplied: again.customerIds.length,
  };
}
