import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VaultEntry, VaultStore } from '../../ports/vault';

/**
 * The embedded vault: `<dir>/keys/<h>.key` (the wrapped key) and `<dir>/entries/<h>.ndjson`, where
 * h is the SHA-256 of the subject, so no identifier appears in a file name. Owner-only files.
 */
export class FileVaultStore implements VaultStore {
  constructor(private readonly dir: string) {}

  private file(kind: 'keys' | 'entries', subject: string) {
    const h = createHash('sha256').update(subject).digest('hex');
    return join(this.dir, kind, kind === 'keys' ? `${h}.key` : `${h}.ndjson`);
  }

  async getKey(subject: string) {
    const f = this.file('keys', subject);
    return existsSync(f) ? readFile(f) : null;
  }

  async getKeys(subjects: readonly string[]) {
    const out = new Map<string, Buffer>();
    for (const s of subjects) {
      const k = await this.getKey(s);
      if (k) out.set(s, k);
    }
    return out;
  }

  async putAllEntries(bySubject: ReadonlyMap<string, VaultEntry[]>) {
    for (const [subject, entries] of bySubject) await this.putEntries(subject, entries);
  }

  async putKeyIfAbsent(subject: string, wrapped: Buffer) {
    const f = this.file('keys', subject);
    await mkdir(join(this.dir, 'keys'), { recursive: true });
    try {
      await writeFile(f, wrapped, { flag: 'wx', mode: 0o600 });
      return wrapped;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return readFile(f);
    }
  }

  async putEntries(subject: string, entries: VaultEntry[]) {
    const have = new Set((await this.entries(subject)).map((e) => e.id));
    const fresh = entries.filter((e) => !have.has(e.id) && have.add(e.id));
    if (!fresh.length) return;
    await mkdir(join(this.dir, 'entries'), { recursive: true });
    await appendFile(this.file('entries', subject), fresh.map((e) => `${JSON.stringify(e)}\n`).join(''), {
      mode: 0o600,
    });
  }

  async entries(subject: string): Promise<VaultEntry[]> {
    const f = this.file('entries', subject);
    if (!existsSync(f)) return [];
    return (await readFile(f, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as VaultEntry);
  }

  async shred(subject: string) {
    const key = this.file('keys', subject);
    const known = existsSync(key);
    await rm(key, { force: true });
    await rm(this.file('entries', subject), { force: true });
    return known;
  }
}
