import type { FailureSource, StreamRangeReader } from '../ports/redrive';
import type { EventStream } from '../ports/stream';

export interface RedriveReport {
  batches: number;
  records: number;
  /** Batches whose records are no longer in the stream (past retention): left in the source. */
  expired: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    found: number;
    expected: number;
  }[];
}

/**
 * Re-drives every failure batch: reads its records by sequence range and puts them back on the
 * stream with their partition keys, then acknowledges the batch. A batch whose records are gone
 * (fewer than its batchSize) is reported and kept, so nothing is dropped silently.
 */
export async function redrive(opts: {
  failures: FailureSource;
  reader: StreamRangeReader;
  stream: EventStream;
  onProgress?: (r: RedriveReport) => void;
}): Promise<RedriveReport> {
  const report: RedriveReport = { batches: 0, records: 0, expired: [] };
  for (;;) {
    const batches = await opts.failures.receive(10);
    if (batches.length === 0) break;
    let progressed = false;
    for (const b of batches) {
      const records = await opts.reader.readRange(b.shardId, b.startSequenceNumber, b.endSequenceNumber);
      if (records.length < b.batchSize) {
        report.expired.push({
          shardId: b.shardId,
          startSequenceNumber: b.startSequenceNumber,
          endSequenceNumber: b.endSequenceNumber,
          found: records.length,
          expected: b.batchSize,
        });
        continue;
      }
      await opts.stream.put(
        records.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(r.data, 'base64') })),
      );
      await opts.failures.acknowledge(b);
      report.batches++;
      report.records += records.length;
      progressed = true;
      opts.onProgress?.(report);
    }
    if (!progressed) break;
  }
  return report;
}
