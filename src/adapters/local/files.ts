import { randomUUID } from 'node:crypto';
import { closeSync, type Dirent, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { link, open, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Files under `root` ending in `suffix` (sorted), descending only into folders `enter` accepts
 * (depth 0 = the root's children). A missing root is an empty list, not an error.
 */
export async function listFiles(
  root: string,
  suffix: string,
  enter: (name: string, depth: number) => boolean = () => true,
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (enter(e.name, depth)) await walk(join(dir, e.name), depth + 1);
      } else if (e.name.endsWith(suffix)) out.push(join(dir, e.name));
    }
  };
  await walk(root, 0);
  return out.sort();
}

/**
 * Creates `file` with `data` only if it does not exist, atomically: the content is written and
 * flushed to a temporary file first, then hard-linked into place (link fails if the name exists),
 * and the folder is flushed. A crash at any point leaves either no file or the whole file, never
 * an empty one. Returns false when the file already existed.
 */
export async function createExclusive(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<boolean> {
  const tmp = await writeFlushedTemp(file, data, mode);
  try {
    await link(tmp, file);
    await syncDir(dirname(file));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** The same, synchronously (cold-start paths that cannot await). */
export function createExclusiveSync(file: string, data: string | Uint8Array, mode = 0o600): boolean {
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    syncDirSync(dirname(file));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
  }
}

/** Flushes a folder's entries (a rename or link in it) to disk. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `file` with `data` atomically: written and flushed under a temporary name, renamed
 * over the old one, and the folder flushed. A crash leaves the old content or the new, whole.
 */
export async function replaceFile(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = await writeFlushedTemp(file, data, mode);
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDir(dirname(file));
}

/** `data` written and flushed under a fresh temporary name beside `file`; returns that name. */
async function writeFlushedTemp(file: string, data: string | Uint8Array, mode: number): Promise<string> {
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Flushes a folder's entries to disk, synchronously. */
export function syncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
