import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import { replaceFile } from './files';

/**
 * A lock one process holds while it works on a data folder (the stream's consumer, an ETL run),
 * with who holds it written beside it. A holder killed outright leaves the lock behind: when its
 * process is gone (same machine, its pid no longer runs) the lock is taken over at once; else it
 * goes stale after `staleMs` without its holder refreshing it, and the next one waits that long.
 * Returns the release, or throws `busy(holder)` when a live process keeps it.
 */
export async function holdProcessLock(opts: {
  /** The lock (a folder proper-lockfile creates). */
  lockPath: string;
  /** Who holds it, e.g. "c360 serve (pid 123)". */
  ownerPath: string;
  who: string;
  staleMs?: number;
  busy: (holder: string) => Error;
}): Promise<() => Promise<void>> {
  const staleMs = opts.staleMs ?? 20_000;
  await mkdir(dirname(opts.lockPath), { recursive: true, mode: 0o700 });
  const attempt = () =>
    lock(dirname(opts.lockPath), {
      lockfilePath: opts.lockPath,
      realpath: false,
      stale: staleMs,
      retries: { retries: Math.ceil((staleMs * 1.5) / 500), minTimeout: 500, maxTimeout: 500 },
    });
  let release: () => Promise<void>;
  try {
    if (existsSync(opts.lockPath) && holderGone(opts.ownerPath))
      rmSync(opts.lockPath, { recursive: true, force: true });
    release = await attempt();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    throw opts.busy(
      existsSync(opts.ownerPath) ? readFileSync(opts.ownerPath, 'utf8').trim() : 'another process',
    );
  }
  await replaceFile(opts.ownerPath, `${opts.who} (pid ${process.pid})`);
  return release;
}

/** The recorded holder's process no longer runs (a pid we can check, on this machine). */
function holderGone(ownerPath: string): boolean {
  if (!existsSync(ownerPath)) return false;
  const pid = Number(/\(pid (\d+)\)$/.exec(readFileSync(ownerPath, 'utf8').trim())?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
