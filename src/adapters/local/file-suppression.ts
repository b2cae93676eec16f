import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SuppressionList } from '../../ports/suppression';

/** The embedded suppression list: one hash a line. */
export class FileSuppressionList implements SuppressionList {
  constructor(private readonly file: string) {}

  async load(): Promise<ReadonlySet<string>> {
    if (!existsSync(this.file)) return new Set();
    return new Set((await readFile(this.file, 'utf8')).split('\n').filter(Boolean));
  }

  async add(hashes: string[]) {
    const have = await this.load();
    const fresh = [...new Set(hashes)].filter((h) => !have.has(h));
    if (!fresh.length) return;
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${fresh.join('\n')}\n`, { mode: 0o600 });
  }
}
