import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { DownstreamUnavailableError } from '../../domain/errors';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { PutResult, ReadableEventStream, StoredStreamRecord, StreamRecord } from '../../ports/stream';

/**
 * Embedded event stream: Kinesis-shaped records (base64 data, sequence number, arrival time) in
 * bounded NDJSON segment files under `<dataDir>/stream/<name>/`:
 *
 * - **Several writers** (`c360 serve`, `c360 ingest-file`, the demo) share one sequence: each put
 *   takes a lock (proper-lockfile), appends to the current segment and advances `head.json`.
 * - **Durable before acknowledged**: with `durable` (the default) the segment is fsynced before
 *   put() resolves, so a 200 means the data survives a crash.
 * - **Read incrementally**: a reader keeps its byte position and never loads a whole segment,
 *   let alone the stream, into one string; complete lines only, so a concurrent append is safe.
 * - **Retention**: `trim()` deletes whole segments that are consumed and older than the
 *   retention period, as Kinesis retention would.
 */
const SEGMENT = /^seg-(\d{20})\.ndjson$/;
const LEGACY_FILE = 'shard-000000000000.ndjson';
const CHUNK = 1024 * 1024;

export interface FileStreamOptions {
  /** fsync each put before acknowledging (default true). */
  durable?: boolean;
  /** Roll to a new segment past this size (default 64 MiB). */
  segmentBytes?: number;
}

interface Head {
  seq: string;
  segment: string | null;
  bytes: number;
}

const pad = (n: bigint) => n.toString().padStart(20, '0');

export class FileEventStream implements ReadableEventStream {
  private readonly durable: boolean;
  private readonly segmentBytes: number;
  private cursor: { segment: string; offset: number; lastSeq: string | null } | null = null;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly dir: string,
    private readonly clock: Clock = systemClock,
    opts: FileStreamOptions = {},
  ) {
    this.durable = opts.durable ?? true;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      // The stream holds events as sent, personal data in clear: owner-only, like the vault.
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // A data folder from before segments: its single file becomes the first segment.
      const legacy = join(this.dir, LEGACY_FILE);
      if (existsSync(legacy) && (await this.segments()).length === 0) {
        const text = await readFile(legacy, 'utf8');
        const lines = text.split('\n').filter(Boolean);
        const first = lines[0] ? (JSON.parse(lines[0]) as StoredStreamRecord).sequenceNumber : pad(1n);
        const last = lines.at(-1)
          ? (JSON.parse(lines.at(-1) as string) as StoredStreamRecord).sequenceNumber
          : pad(0n);
        const name = `seg-${first}.ndjson`;
        await rename(legacy, join(this.dir, name));
        await this.writeHead({ seq: last, segment: name, bytes: Buffer.byteLength(text) });
      }
    })();
    return this.ready;
  }

  private async segments(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => SEGMENT.test(f)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private async readHead(): Promise<Head> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'head.json'), 'utf8')) as Head;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { seq: pad(0n), segment: null, bytes: 0 };
      throw err;
    }
  }

  private async writeHead(head: Head): Promise<void> {
    const tmp = join(this.dir, `.head.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(head), { mode: 0o600 });
    await rename(tmp, join(this.dir, 'head.json'));
  }

  /**
   * Puts are group-committed: concurrent puts of this process wait in a queue, and one writer
   * appends them all under one lock and one fsync (with 16 connections posting, one disk flush
   * serves many requests). Each put resolves only once its records are durable.
   */
  async put(records: StreamRecord[]): Promise<PutResult> {
    await this.init();
    if (records.length === 0) return { written: 0, calls: 0, retried: 0 };
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.flushing) void this.flush();
    });
    return { written: records.length, calls: 1, retried: 0 };
  }

  private queue: { records: StreamRecord[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.queue.length);
        try {
          await this.append(group.flatMap((g) => g.records));
          for (const g of group) g.resolve();
        } catch (err) {
          const error = new DownstreamUnavailableError(
            `the local stream under ${this.dir} could not be written: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async append(records: StreamRecord[]): Promise<void> {
    const release = await lock(this.dir, {
      lockfilePath: join(this.dir, '.lock'),
      realpath: false,
      stale: 10_000,
      retries: { retries: 1000, factor: 1.2, minTimeout: 1, maxTimeout: 20, randomize: true },
    });
    try {
      const head = await this.readHead();
      let seq = BigInt(head.seq);
      let segment = head.segment;
      let bytes = head.bytes;
      if (!segment || bytes >= this.segmentBytes) {
        segment = `seg-${pad(seq + 1n)}.ndjson`;
        bytes = 0;
      }
      const arrival = this.clock.now().getTime();
      const parts: string[] = [];
      for (const r of records) {
        seq += 1n;
        const stored: StoredStreamRecord = {
          sequenceNumber: pad(seq),
          partitionKey: r.partitionKey,
          data: Buffer.from(r.data).toString('base64'),
          approximateArrivalTimestamp: arrival,
          shardId: 'shardId-000000000000',
        };
        parts.push(JSON.stringify(stored));
      }
      const out = `${parts.join('\n')}\n`;
      const fh = await open(join(this.dir, segment), 'a', 0o600);
      try {
        await fh.write(out);
        if (this.durable) await fh.sync();
      } finally {
        await fh.close();
      }
      await this.writeHead({ seq: pad(seq), segment, bytes: bytes + Buffer.byteLength(out) });
    } finally {
      await release();
    }
  }

  async read(afterSequence: string | null, limit: number): Promise<StoredStreamRecord[]> {
    await this.init();
    const segments = await this.segments();
    if (segments.length === 0) return [];
    let index: number;
    let offset: number;
    if (this.cursor && this.cursor.lastSeq === afterSequence && segments.includes(this.cursor.segment)) {
      index = segments.indexOf(this.cursor.segment);
      offset = this.cursor.offset;
    } else {
      // Cold start: the last segment starting at or before the record we need, scanned from its start.
      const want = afterSequence === null ? 0n : BigInt(afterSequence) + 1n;
      index = 0;
      segments.forEach((name, i) => {
        if (BigInt(SEGMENT.exec(name)?.[1] ?? '0') <= want) index = i;
      });
      offset = 0;
    }
    const out: StoredStreamRecord[] = [];
    let lastSeq = afterSequence;
    while (index < segments.length && out.length < limit) {
      const name = segments[index] as string;
      const fh = await open(join(this.dir, name), 'r');
      try {
        let carry = Buffer.alloc(0);
        let exhausted = false;
        while (out.length < limit) {
          const buf = Buffer.alloc(CHUNK);
          const { bytesRead } = await fh.read(buf, 0, CHUNK, offset + carry.length);
          if (bytesRead === 0) {
            exhausted = true;
            break;
          }
          const data = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
          let start = 0;
          for (;;) {
            const nl = data.indexOf(10, start);
            if (nl < 0 || out.length >= limit) break;
            const line = data.toString('utf8', start, nl);
            offset += nl - start + 1;
            start = nl + 1;
            if (!line) continue;
            const rec = JSON.parse(line) as StoredStreamRecord;
            if (afterSequence !== null && rec.sequenceNumber <= afterSequence) continue;
            out.push(rec);
            lastSeq = rec.sequenceNumber;
          }
          // A partial last line (an append in progress) is read again next time.
          carry = data.subarray(start);
          if (out.length >= limit) break;
        }
        if (exhausted && out.length < limit && index < segments.length - 1) {
          index++;
          offset = 0;
          continue;
        }
      } finally {
        await fh.close();
      }
      break;
    }
    this.cursor = { segment: segments[index] as string, offset, lastSeq };
    return out;
  }

  /**
   * Deletes whole segments whose records are all at or before `consumedThrough` and whose last
   * write is older than `retentionMs` (the active segment is never deleted). Returns how many.
   */
  async trim(consumedThrough: string, retentionMs = 24 * 3600_000): Promise<number> {
    await this.init();
    const segments = await this.segments();
    const now = this.clock.now().getTime();
    let removed = 0;
    for (let i = 0; i < segments.length - 1; i++) {
      const nextFirst = BigInt(SEGMENT.exec(segments[i + 1] as string)?.[1] ?? '0');
      if (nextFirst - 1n > BigInt(consumedThrough)) break;
      const file = join(this.dir, segments[i] as string);
      if (now - (await stat(file)).mtimeMs < retentionMs) break;
      await unlink(file);
      removed++;
    }
    return removed;
  }
}

/** In-memory stream for tests and benchmarks (same contract, no disk). */
export class MemoryEventStream implements ReadableEventStream {
  readonly records: StoredStreamRecord[] = [];
  constructor(private readonly clock: Clock = systemClock) {}

  async put(records: StreamRecord[]): Promise<PutResult> {
    const arrival = this.clock.now().getTime();
    for (const r of records) {
      this.records.push({
        sequenceNumber: String(this.records.length + 1).padStart(20, '0'),
        partitionKey: r.partitionKey,
        data: Buffer.from(r.data).toString('base64'),
        approximateArrivalTimestamp: arrival,
        shardId: 'shardId-000000000000',
      });
    }
    return { written: records.length, calls: records.length ? 1 : 0, retried: 0 };
  }

  async read(afterSequence: string | null, limit: number): Promise<StoredStreamRecord[]> {
    const start =
      afterSequence === null ? 0 : this.records.findIndex((r) => r.sequenceNumber > afterSequence);
    if (start < 0) return [];
    return this.records.slice(start, start + limit);
  }
}
