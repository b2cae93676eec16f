import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ReplayGuard } from '../../ports/replay-guard';

/** Embedded replay guard: a set of provider event ids with expiry, optionally persisted as a log. */
export class LocalReplayGuard implements ReplayGuard {
  private readonly seenIds = new Map<string, number>();
  constructor(private readonly opts: { file?: string; ttlSeconds?: number; now?: () => number } = {}) {
    if (opts.file && existsSync(opts.file)) {
      for (const line of readFileSync(opts.file, 'utf8').split('\n')) {
        const sp = line.indexOf(' ');
        if (sp > 0) this.seenIds.set(line.slice(sp + 1), Number(line.slice(0, sp)));
      }
    }
    if (opts.file) mkdirSync(dirname(opts.file), { recursive: true });
  }
  private now() {
    return this.opts.now?.() ?? Date.now();
  }
  async seen(provider: string, eventId: string): Promise<boolean> {
    const exp = this.seenIds.get(`${provider}:${eventId}`);
    return exp !== undefined && exp > this.now();
  }
  async remember(provider: string, eventId: string): Promise<void> {
    const exp = this.now() + (this.opts.ttlSeconds ?? 7 * 24 * 3600) * 1000;
    const key = `${provider}:${eventId}`;
    this.seenIds.set(key, exp);
    if (this.opts.file) appendFileSync(this.opts.file, `${exp} ${key}\n`);
  }
}
