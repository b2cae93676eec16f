import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

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
