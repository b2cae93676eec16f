import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { DownstreamUnavailableError } from '../../domain/errors';
import { failpoint } from '../../failpoint';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { PutResult, ReadableEventStream, StoredStreamRecord, StreamRecord } from '../../ports/stream';
import { replaceFile, syncDir } from './files';

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

/** `head.json`: only where a stream whose segments were all trimmed continues its sequence. */
interface Head {
  seq: string;
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
        await this.writeHead({ seq: last });
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

  private async writeHead(head: Head): Promise<void> {
    await replaceFile(join(this.dir, 'head.json'), JSON.stringify(head));
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
    const release = await this.lock();
    try {
      let { seq, segment, bytes } = await this.tail();
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
      const out = Buffer.from(`${parts.join('\n')}\n`);
      const fh = await open(join(this.dir, segment), 'a', 0o600);
      try {
        await fh.write(out);
        if (this.durable) await fh.sync();
        failpoint('stream.appended');
      } finally {
        await fh.close();
      }
      this.known = { segment, bytes: bytes + out.length, seq };
    } finally {
      await release();
    }
  }

  /** What this process last appended (a hint: trusted only while the segment still has that size). */
  private known: { segment: string; bytes: number; seq: bigint } | null = null;

  /**
   * The stream's true end, read from the last segment itself (called under the lock): its last
   * complete record's sequence number and its size. There is no separate "head" to fall behind
   * the data: a writer killed after its append but before any bookkeeping leaves nothing a later
   * writer could reuse a sequence number from. A torn last line (a write cut short, never
   * acknowledged because put() resolves only after it) is cut off first, so the next record
   * starts on a line of its own. An empty segment's name says where its records start.
   */
  private async tail(): Promise<{ seq: bigint; segment: string | null; bytes: number }> {
    const segments = await this.segments();
    const segment = segments.at(-1);
    if (!segment) return { seq: await this.floor(), segment: null, bytes: 0 };
    const file = join(this.dir, segment);
    const size = (await stat(file)).size;
    if (this.known?.segment === segment && this.known.bytes === size) return { ...this.known };
    const first = BigInt(SEGMENT.exec(segment)?.[1] ?? '1');
    const fh = await open(file, 'r+');
    try {
      // Backwards, one chunk at a time, to the last two newlines (or the file's start).
      let end = size;
      let lastNl = -1;
      let prevNl = -1;
      let pos = size;
      while (pos > 0 && prevNl < 0) {
        const from = Math.max(0, pos - CHUNK);
        const buf = Buffer.alloc(pos - from);
        await fh.read(buf, 0, buf.length, from);
        for (let i = buf.length - 1; i >= 0; i--) {
          if (buf[i] !== 10) continue;
          if (lastNl < 0) lastNl = from + i;
          else {
            prevNl = from + i;
            break;
          }
        }
        pos = from;
      }
      if (lastNl !== size - 1) {
        end = lastNl + 1;
        await fh.truncate(end);
        await fh.sync();
      }
      if (lastNl < 0) return { seq: first - 1n, segment, bytes: 0 };
      const line = Buffer.alloc(lastNl - (prevNl + 1));
      await fh.read(line, 0, line.length, prevNl + 1);
      const seq = BigInt((JSON.parse(line.toString('utf8')) as StoredStreamRecord).sequenceNumber);
      return { seq, segment, bytes: end };
    } finally {
      await fh.close();
    }
  }

  /** The sequence number a stream with no segment left (all trimmed) continues after. */
  private async floor(): Promise<bigint> {
    try {
      const head = JSON.parse(await readFile(join(this.dir, 'head.json'), 'utf8')) as { seq: string };
      return BigInt(head.seq);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
      throw err;
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

  private lock(): Promise<() => Promise<void>> {
    return lock(this.dir, {
      lockfilePath: join(this.dir, '.lock'),
      realpath: false,
      stale: 10_000,
      retries: { retries: 1000, factor: 1.2, minTimeout: 1, maxTimeout: 20, randomize: true },
    });
  }

  /**
   * Deletes whole segments whose records are all at or before `consumedThrough` and whose last
   * write is older than `retentionMs`, as Kinesis ages records out. The active segment goes too
   * once it qualifies (what it held is personal data in clear, kept no longer than the stream's
   * retention): its last sequence number is recorded first, so the sequence never restarts.
   * Returns how many segments (and bytes) were deleted, or with `dryRun` would be.
   */
  async trim(
    consumedThrough: string | null,
    retentionMs: number,
    opts: { dryRun?: boolean } = {},
  ): Promise<{ segments: number; bytes: number; kept: number }> {
    await this.init();
    const release = await this.lock();
    try {
      const segments = await this.segments();
      const now = this.clock.now().getTime();
      const consumed = consumedThrough === null ? 0n : BigInt(consumedThrough);
      let removed = 0;
      let bytes = 0;
      for (let i = 0; i < segments.length; i++) {
        const file = join(this.dir, segments[i] as string);
        const info = await stat(file);
        if (now - info.mtimeMs < retentionMs) break;
        if (i < segments.length - 1) {
          const nextFirst = BigInt(SEGMENT.exec(segments[i + 1] as string)?.[1] ?? '0');
          if (nextFirst - 1n > consumed) break;
        } else {
          const { seq } = await this.tail();
          if (seq > consumed) break;
          if (!opts.dryRun) await this.writeHead({ seq: pad(seq) });
          this.known = null;
        }
        if (!opts.dryRun) await unlink(file);
        removed++;
        bytes += info.size;
      }
      if (removed && !opts.dryRun) await syncDir(this.dir);
      return { segments: removed, bytes, kept: segments.length - removed };
    } finally {
      await release();
    }
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
