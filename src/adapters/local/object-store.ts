import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ObjectStore } from '../../ports/object-store';
import { listFiles } from './files';

/** Objects as files under a root folder, with the same keys S3 would use (atomic writes). */
export class FolderObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}
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
}
