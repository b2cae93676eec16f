import { mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ObjectStore } from '../../ports/object-store';
import { listFiles } from './files';

/** Objects as files under a root folder, with the same keys S3 would use (atomic writes). */
export class FolderObjectStore implements ObjectStore {
  /**
   * `keepRemovedIn`: a folder removed objects are moved to (under their keys) instead of being
   * deleted, as a versioned bucket keeps noncurrent versions.
   */
  constructor(
    private readonly root: string,
    private readonly keepRemovedIn?: string,
  ) {}
  async put(key: string, body: Uint8Array | string): Promise<void> {
    const file = join(this.root, key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, file);
  }
  async get(key: string): Promise<Buffer> {
    return readFile(join(this.root, key));
  }
  async list(prefix: string): Promise<string[]> {
    // Files under the prefix's folder whose key starts with the prefix (S3's semantics).
    const dir = join(this.root, prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '');
    const files = await listFiles(dir, '');
    return files
      .map((f) => relative(this.root, f).split(sep).join('/'))
      .filter((k) => k.startsWith(prefix) && !k.endsWith('.tmp'))
      .sort();
  }
  async remove(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const file = join(this.root, key);
      try {
        if (this.keepRemovedIn) {
          const kept = join(this.keepRemovedIn, key);
          await mkdir(dirname(kept), { recursive: true });
          await rename(file, kept);
          // Kept from now on, as a noncurrent version's days count from when it was replaced.
          const now = new Date();
          await utimes(kept, now, now);
        } else await rm(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
}
