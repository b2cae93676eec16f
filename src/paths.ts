import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The project root (where sql/, schemas/ and package.json live), found by walking up from this
 * module: works from src/ under jest and from dist/ in the CLI bundle.
 */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sql'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/**
 * The embedded run's one data folder (default `.c360`):
 *   <data>/stream/events   the event stream (Kinesis' role)
 *   <data>/lake            the lake (S3's role): bronze/, quarantine/, landing/, silver/, gold/
 *   <data>/metrics         EMF metric documents (CloudWatch's role)
 *   <data>/state           checkpoints (stream, shard), keys, locks, suppression list
 *   <data>/vault           the PII vault
 */
export const DEFAULT_DATA_DIR = '.c360';

export function localPaths(dataDir = DEFAULT_DATA_DIR) {
  const root = resolve(dataDir);
  return {
    root,
    stream: join(root, 'stream', 'events'),
    lake: join(root, 'lake'),
    metrics: join(root, 'metrics', 'emf.ndjson'),
    state: join(root, 'state'),
    /** The PII vault (the only embedded place clear PII is kept, sealed). */
    vault: join(root, 'vault'),
  };
}
