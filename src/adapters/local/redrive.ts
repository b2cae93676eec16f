import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FailureBatch, FailureSource, OnFailureRecord, StreamRangeReader } from '../../ports/redrive';
import type { ReadableEventStream, StoredStreamRecord } from '../../ports/stream';
import { replaceFile } from './files';

/** The embedded mapping's on-failure file (one OnFailureRecord a line) as a failure source. */
export class FileFailureSource implements FailureSource {
  constructor(private readonly file: string) {}

  private async lines(): Promise<string[]> {
    if (!existsSync(this.file)) return [];
    return (await readFile(this.file, 'utf8')).split('\n').filter(Boolean);
  }

  async receive(max: number): Promise<FailureBatch[]> {
    return (await this.lines()).slice(0, max).map((line) => {
      const r = JSON.parse(line) as OnFailureRecord;
      return { handle: line, ...r.KinesisBatchInfo };
    });
  }

  async acknowledge(batch: FailureBatch): Promise<void> {
    const rest = (await this.lines()).filter((l) => l !== batch.handle);
    await replaceFile(this.file, rest.length ? `${rest.join('\n')}\n` : '');
  }
}

/** Reads a sequence range back from the local stream. */
export class LocalRangeReader implements StreamRangeReader {
  constructor(private readonly stream: ReadableEventStream) {}

  async readRange(_shardId: string, start: string, end: string): Promise<StoredStreamRecord[]> {
    const before = (BigInt(start) - 1n).toString().padStart(start.length, '0');
    const out: StoredStreamRecord[] = [];
    let after: string | null = BigInt(start) > 0n ? before : null;
    for (;;) {
      const batch = await this.stream.read(after, 1000);
      if (batch.length === 0) break;
      for (const r of batch) if (r.sequenceNumber >= start && r.sequenceNumber <= end) out.push(r);
      const last = batch.at(-1) as StoredStreamRecord;
      if (last.sequenceNumber >= end) break;
      after = last.sequenceNumber;
    }
    return out;
  }
}
