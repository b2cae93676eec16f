import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ReplayClaim, ReplayGuard } from '../../ports/replay-guard';
import { createExclusive, syncDir } from './files';

interface Marker {
  state: 'pending' | 'done';
  owner: string;
  expiresAt: number;
}

/**
 * Embedded replay guard. With a folder, each key is a file created with O_EXCL (atomic across
 * processes: two servers on one data folder cannot both accept a replay); without one (tests),
 * an in-memory map with the same semantics.
 */
export class LocalReplayGuard implements ReplayGuard {
  private readonly memory = new Map<string, Marker>();

  constructor(
    private readonly opts: {
      dir?: string;
      ttlSeconds?: number;
      leaseSeconds?: number;
      now?: () => number;
    } = {},
  ) {
    if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  }

  private now() {
    return this.opts.now?.() ?? Date.now();
  }

  private fileOf(provider: string, key: string): string {
    const name = createHash('sha256').update(`${provider}\u0000${key}`).digest('hex');
    return join(this.opts.dir as string, name);
  }

  /**
   * The key's marker; `stale` when the file is there but unreadable (an empty marker a crashed
   * older build left while writing in place): it guards nothing and may be taken over.
   */
  private async read(provider: string, key: string): Promise<Marker | null | 'stale'> {
    if (!this.opts.dir) return this.memory.get(`${provider}\u0000${key}`) ?? null;
    let text: string;
    try {
      text = await readFile(this.fileOf(provider, key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const m = JSON.parse(text) as Marker;
      return typeof m?.expiresAt === 'number' && typeof m.owner === 'string' ? m : 'stale';
    } catch {
      return 'stale';
    }
  }

  private async write(provider: string, key: string, m: Marker): Promise<void> {
    if (!this.opts.dir) {
      this.memory.set(`${provider}\u0000${key}`, m);
      return;
    }
    const file = this.fileOf(provider, key);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(m), { mode: 0o600 });
    await rename(tmp, file);
    await syncDir(dirname(file));
  }

  async claim(provider: string, key: string, owner: string): Promise<ReplayClaim> {
    const now = this.now();
    const marker: Marker = {
      state: 'pending',
      owner,
      expiresAt: now + (this.opts.leaseSeconds ?? 60) * 1000,
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.opts.dir) {
        const existing = this.memory.get(`${provider}\u0000${key}`);
        if (existing && existing.expiresAt > now)
          return existing.state === 'done' ? 'duplicate' : 'in_flight';
        this.memory.set(`${provider}\u0000${key}`, marker);
        return 'claimed';
      }
      // Written whole, then linked into place: a crash never leaves an empty marker behind.
      if (await createExclusive(this.fileOf(provider, key), JSON.stringify(marker))) return 'claimed';
      const existing = await this.read(provider, key);
      if (existing && existing !== 'stale' && existing.expiresAt > now)
        return existing.state === 'done' ? 'duplicate' : 'in_flight';
      // Expired: remove it and try the exclusive create once more (a racing claimer may win).
      await unlink(this.fileOf(provider, key)).catch(() => {});
    }
    return 'in_flight';
  }

  async confirm(provider: string, key: string, owner: string): Promise<void> {
    const m = await this.read(provider, key);
    if (m === 'stale' || m?.owner !== owner) return;
    await this.write(provider, key, {
      state: 'done',
      owner,
      expiresAt: this.now() + (this.opts.ttlSeconds ?? 7 * 24 * 3600) * 1000,
    });
  }

  async release(provider: string, key: string, owner: string): Promise<void> {
    const m = await this.read(provider, key);
    if (m === 'stale' || m?.owner !== owner || m.state !== 'pending') return;
    if (this.opts.dir) await unlink(this.fileOf(provider, key)).catch(() => {});
    else this.memory.delete(`${provider}\u0000${key}`);
  }
}
