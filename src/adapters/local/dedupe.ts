import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { ClaimResult, DedupeStore } from '../../ports/dedupe';
import { syncDirSync } from './files';

/**
 * Embedded dedupe store: a map of event id → state with expiry, optionally persisted as an
 * append-only log (replayed on start) so dedupe survives restarts of the embedded runtime.
 * Same semantics as the DynamoDB adapter: pending leases expire, committed ids live for the TTL.
 *
 * The log is read a chunk at a time (never as one string) and compacted, written whole under a
 * temporary name and renamed, when dead lines (expired, released, superseded) outnumber live
 * entries, at start and as it grows: its size follows the ids alive within the TTL, not the
 * events ever seen.
 */
interface Entry {
  state: 'pending' | 'done';
  owner: string;
  expiresAt: number;
}

const CHUNK = 4 * 1024 * 1024;

export interface LocalDedupeOptions {
  file?: string;
  ttlSeconds?: number;
  leaseSeconds?: number;
  now?: () => number;
  /**
   * This process is the data folder's only consumer (it holds the consumer lock): leases left
   * pending in the log belong to a process that died before committing, and are dropped at
   * start instead of blocking their records until the lease runs out.
   */
  takeOver?: boolean;
  /** Compact once the log has this many lines more than live entries (default 100,000). */
  compactSlack?: number;
}

export class LocalDedupeStore implements DedupeStore {
  private readonly entries = new Map<string, Entry>();
  private logLines = 0;
  /** Pending leases of a dead consumer dropped at start (for the log). */
  readonly takenOver: number = 0;

  constructor(private readonly opts: LocalDedupeOptions = {}) {
    if (opts.file) {
      mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
      if (existsSync(opts.file)) {
        this.load(opts.file);
        if (opts.takeOver) {
          let dropped = 0;
          for (const [id, e] of this.entries)
            if (e.state === 'pending') {
              this.entries.delete(id);
              dropped++;
            }
          this.takenOver = dropped;
        }
        this.maybeCompact(true);
      }
    }
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private load(file: string): void {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(CHUNK);
      let carry = '';
      for (;;) {
        const n = readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) break;
        const text = carry + buf.toString('utf8', 0, n);
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) this.apply(line);
      }
      // A last line without its newline is a write cut short: the claim or commit it held never
      // completed, which the lease and redelivery already account for.
    } finally {
      closeSync(fd);
    }
  }

  private apply(line: string): void {
    if (!line) return;
    this.logLines++;
    const [op, exp, owner = '', ...rest] = line.split(' ');
    const id = rest.join(' ');
    if (op === 'r') this.entries.delete(id);
    else this.entries.set(id, { state: op === 'd' ? 'done' : 'pending', owner, expiresAt: Number(exp) });
  }

  private log(lines: string[]): void {
    if (!this.opts.file || lines.length === 0) return;
    appendFileSync(this.opts.file, `${lines.join('\n')}\n`, { mode: 0o600 });
    this.logLines += lines.length;
    this.maybeCompact(false);
  }

  /** Rewrites the log with only the live entries when dead lines dominate it. */
  private maybeCompact(atStart: boolean): void {
    const file = this.opts.file;
    if (!file) return;
    const now = this.now();
    const slack = this.opts.compactSlack ?? 100_000;
    if (this.logLines - this.entries.size < (atStart ? 1 : slack)) return;
    for (const [id, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(id);
    if (!atStart && this.logLines - this.entries.size < slack) return;
    const tmp = `${file}.${process.pid}.compact.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      let block: string[] = [];
      const flush = () => {
        if (block.length) writeSync(fd, `${block.join('\n')}\n`);
        block = [];
      };
      for (const [id, e] of this.entries) {
        block.push(`${e.state === 'done' ? 'd' : 'p'} ${e.expiresAt} ${e.owner} ${id}`);
        if (block.length >= 10_000) flush();
      }
      flush();
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    syncDirSync(dirname(file));
    this.logLines = this.entries.size;
  }

  /** Lines in the log now (for tests and the log). */
  get logSize(): number {
    return this.logLines;
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
