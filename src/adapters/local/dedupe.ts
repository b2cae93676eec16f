import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClaimResult, DedupeStore } from '../../ports/dedupe';

/**
 * Embedded dedupe store: a map of event id → state with expiry, optionally persisted as an
 * append-only log (replayed on start) so dedupe survives restarts of the embedded runtime.
 * Same semantics as the DynamoDB adapter: pending leases expire, committed ids live for the TTL.
 */
interface Entry {
  state: 'pending' | 'done';
  owner: string;
  expiresAt: number;
}

export class LocalDedupeStore implements DedupeStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly opts: {
      file?: string;
      ttlSeconds?: number;
      leaseSeconds?: number;
      now?: () => number;
    } = {},
  ) {
    if (opts.file && existsSync(opts.file)) this.load(opts.file);
    if (opts.file) mkdirSync(dirname(opts.file), { recursive: true });
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private load(file: string): void {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const [op, exp, owner = '', ...rest] = line.split(' ');
      const id = rest.join(' ');
      if (op === 'r') this.entries.delete(id);
      else this.entries.set(id, { state: op === 'd' ? 'done' : 'pending', owner, expiresAt: Number(exp) });
    }
  }

  private log(lines: string[]): void {
    if (this.opts.file && lines.length) appendFileSync(this.opts.file, `${lines.join('\n')}\n`);
  }

  async claim(ids: string[], owner: string): Promise<ClaimResult> {
    const now = this.now();
    const lease = now + (this.opts.leaseSeconds ?? 90) * 1000;
    const out: ClaimResult = { claimed: [], duplicates: [], inFlight: [] };
    const lines: string[] = [];
    for (const id of ids) {
      const e = this.entries.get(id);
      if (e && e.expiresAt > now) {
        (e.state === 'done' ? out.duplicates : out.inFlight).push(id);
        continue;
      }
      this.entries.set(id, { state: 'pending', owner, expiresAt: lease });
      lines.push(`p ${lease} ${owner} ${id}`);
      out.claimed.push(id);
    }
    this.log(lines);
    return out;
  }

  async commit(ids: string[], owner: string): Promise<void> {
    const exp = this.now() + (this.opts.ttlSeconds ?? 7 * 24 * 3600) * 1000;
    const mine = ids.filter((id) => this.entries.get(id)?.owner === owner);
    for (const id of mine) this.entries.set(id, { state: 'done', owner, expiresAt: exp });
    this.log(mine.map((id) => `d ${exp} ${owner} ${id}`));
  }

  async release(ids: string[], owner: string): Promise<void> {
    const mine = ids.filter((id) => {
      const e = this.entries.get(id);
      return e?.owner === owner && e.state === 'pending';
    });
    for (const id of mine) this.entries.delete(id);
    this.log(mine.map((id) => `r 0 ${owner} ${id}`));
  }
}
