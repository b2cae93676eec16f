import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileEventStream } from '../adapters/local/file-stream';
import { loadJsonConfig } from '../config/json-config';
import { projectRoot } from '../paths';
import { localPaths } from './local';

/**
 * `c360 retention apply`: the embedded twin of the lake bucket's lifecycle rules. Both come from
 * config/retention.json. As S3 expires objects by age, a partition (a `dt=` folder, a dated
 * folder of quarantine originals or replays, a vault subject's entries) goes when its newest file
 * is older than its layer's retention; it goes whole, never half.
 */
export interface RetentionPolicy {
  layers: Record<string, number | null>;
  /** Hours the raw event stream keeps a record (Kinesis RetentionPeriodHours). */
  stream_hours?: number;
}

/** The stream's retention in milliseconds (7 days when the file does not say). */
export function streamRetentionMs(policy: RetentionPolicy): number {
  return (policy.stream_hours ?? 168) * 3_600_000;
}

export interface RetentionRow {
  layer: string;
  days: number | null;
  partitions: number;
  dropped: number;
  bytes: number;
}

export function loadRetention(root = projectRoot()): RetentionPolicy {
  return loadJsonConfig<RetentionPolicy>(join(root, 'config', 'retention.json'));
}

/** A layer's partitions: the folders that expire whole. */
async function partitions(dir: string, layer: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(d, e.name);
      if (
        /^dt=\d{4}-\d{2}-\d{2}$/.test(e.name) ||
        /^\d{4}-\d{2}-\d{2}$/.test(e.name) ||
        /^\d{8}T/.test(e.name)
      )
        out.push(p);
      else await walk(p);
    }
  };
  if (layer === 'access') {
    // A subject access request's folder is its partition.
    try {
      for (const e of await readdir(dir, { withFileTypes: true }))
        if (e.isDirectory()) out.push(join(dir, e.name));
    } catch {}
  } else if (layer === 'vault') {
    // A subject's entries file is its partition.
    try {
      for (const f of await readdir(join(dir, 'entries'))) out.push(join(dir, 'entries', f));
    } catch {}
  } else await walk(dir);
  return out;
}

async function newest(path: string): Promise<{ mtimeMs: number; bytes: number }> {
  const s = await stat(path);
  if (!s.isDirectory()) return { mtimeMs: s.mtimeMs, bytes: s.size };
  let mtimeMs = 0;
  let bytes = 0;
  for (const e of await readdir(path)) {
    const n = await newest(join(path, e));
    mtimeMs = Math.max(mtimeMs, n.mtimeMs);
    bytes += n.bytes;
  }
  return { mtimeMs, bytes };
}

export async function applyRetention(opts: {
  dataDir?: string;
  now?: Date;
  dryRun?: boolean;
  policy?: RetentionPolicy;
}): Promise<RetentionRow[]> {
  const paths = localPaths(opts.dataDir);
  const policy = opts.policy ?? loadRetention();
  const now = (opts.now ?? new Date()).getTime();
  const rows: RetentionRow[] = [];
  for (const [layer, days] of Object.entries(policy.layers)) {
    const dir = layer === 'vault' ? paths.vault : join(paths.lake, layer);
    const parts = await partitions(dir, layer);
    const row: RetentionRow = { layer, days, partitions: parts.length, dropped: 0, bytes: 0 };
    if (days !== null) {
      for (const p of parts) {
        const n = await newest(p);
        if (now - n.mtimeMs <= days * 86_400_000) continue;
        row.dropped++;
        row.bytes += n.bytes;
        if (!opts.dryRun) await rm(p, { recursive: true, force: true });
      }
    }
    rows.push(row);
  }
  rows.push(await trimStream(paths, policy, now, opts.dryRun ?? false));
  return rows;
}

/**
 * The raw stream holds events as sent, personal data in clear: its segments go once enrich has
 * consumed them and they are older than the stream's retention, as Kinesis ages records out.
 * Records enrich has not consumed yet are kept (they would be lost, not expired).
 */
async function trimStream(
  paths: ReturnType<typeof localPaths>,
  policy: RetentionPolicy,
  now: number,
  dryRun: boolean,
): Promise<RetentionRow> {
  let checkpoint: string | null = null;
  try {
    checkpoint = (await readFile(join(paths.state, 'enrich.checkpoint'), 'utf8')).trim() || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const hours = policy.stream_hours ?? 168;
  const row: RetentionRow = { layer: 'stream', days: hours / 24, partitions: 0, dropped: 0, bytes: 0 };
  if (!existsSync(paths.stream)) return row;
  const stream = new FileEventStream(paths.stream, { now: () => new Date(now) });
  const r = await stream.trim(checkpoint, hours * 3_600_000, { dryRun });
  return { ...row, partitions: r.segments + r.kept, dropped: r.segments, bytes: r.bytes };
}
