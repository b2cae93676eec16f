import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { PutResult, ReadableEventStream, StoredStreamRecord, StreamRecord } from '../../ports/stream';

/**
 * Embedded event stream: an append-only NDJSON log per stream under `<dataDir>/stream/<name>/`.
 * Each line is a Kinesis-shaped record (base64 data, sequence number, arrival time), so the
 * embedded runtime can hand the enrich handler exactly what Lambda would receive from Kinesis.
 * Appends are awaited (durable to the OS) before put() resolves: a 200 means the data is on disk.
 */
export class FileEventStream implements ReadableEventStream {
  private seq = 0n;
  private ready: Promise<void> | null = null;
  private readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.file = join(dir, 'shard-000000000000.ndjson');
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      const existing = await this.readAll();
      const last = existing.at(-1);
      if (last) this.seq = BigInt(last.sequenceNumber);
    })();
    return this.ready;
  }

  async put(records: StreamRecord[]): Promise<PutResult> {
    await this.init();
    if (records.length === 0) return { written: 0, calls: 0, retried: 0 };
    const arrival = this.clock.now().getTime();
    let out = '';
    for (const r of records) {
      this.seq += 1n;
      const stored: StoredStreamRecord = {
        sequenceNumber: this.seq.toString().padStart(20, '0'),
        partitionKey: r.partitionKey,
        data: Buffer.from(r.data).toString('base64'),
        approximateArrivalTimestamp: arrival,
        shardId: 'shardId-000000000000',
      };
      out += `${JSON.stringify(stored)}\n`;
    }
    await appendFile(this.file, out);
    return { written: records.length, calls: 1, retried: 0 };
  }

  async read(afterSequence: string | null, limit: number): Promise<StoredStreamRecord[]> {
    await this.init();
    const all = await this.readAll();
    const start = afterSequence === null ? 0 : all.findIndex((r) => r.sequenceNumber > afterSequence);
    if (start < 0) return [];
    return all.slice(start, start + limit);
  }

  private async readAll(): Promise<StoredStreamRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoredStreamRecord[] = [];
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as StoredStreamRecord);
    return out;
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
