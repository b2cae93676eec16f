import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { DownstreamUnavailableError } from '../../domain/errors';
import type { EventStream, PutResult, StreamRecord } from '../../ports/stream';
import { type RetryOptions, sendWithPartialRetry } from '../retry';
import { clientConfig } from './client-config';

/** Kinesis PutRecords limits per call. */
const MAX_RECORDS = 500;
const MAX_BYTES = 5 * 1024 * 1024;

export interface KinesisEventStreamOptions extends RetryOptions {
  streamName: string;
  client?: KinesisClient;
}

/**
 * EventStream on Kinesis Data Streams. Splits into PutRecords calls of ≤500 records / 5 MiB,
 * resends only the records whose entry carries an ErrorCode (FailedRecordCount > 0), with
 * exponential backoff and full jitter, and throws DownstreamUnavailableError when records are
 * still failing after maxAttempts (or the call itself keeps failing).
 */
export class KinesisEventStream implements EventStream {
  private readonly client: KinesisClient;

  constructor(private readonly options: KinesisEventStreamOptions) {
    this.client = options.client ?? new KinesisClient(clientConfig('kinesis'));
  }

  async put(records: StreamRecord[]): Promise<PutResult> {
    const result: PutResult = { written: 0, calls: 0, retried: 0 };
    for (const chunk of chunks(records)) {
      const entries: PutRecordsRequestEntry[] = chunk.map((r) => ({
        PartitionKey: r.partitionKey,
        Data: r.data,
      }));
      const out = await sendWithPartialRetry(
        entries,
        async (pending) => {
          const res = await this.client.send(
            new PutRecordsCommand({ StreamName: this.options.streamName, Records: pending }),
          );
          if ((res.FailedRecordCount ?? 0) === 0) return { failed: [], error: null };
          const answers = res.Records ?? [];
          const first = answers.find((e) => e.ErrorCode);
          return {
            failed: pending.filter((_, i) => answers[i]?.ErrorCode !== undefined),
            error: `${first?.ErrorCode}: ${first?.ErrorMessage ?? ''}`,
          };
        },
        this.options,
        { baseDelayMs: 50, maxDelayMs: 2000 },
      );
      result.calls += out.calls;
      result.retried += out.retried;
      result.written += entries.length - out.failed.length;
      if (out.failed.length > 0) {
        throw new DownstreamUnavailableError(
          `Kinesis stream ${this.options.streamName} did not accept ${out.failed.length} record(s) after ${out.calls} attempts (${out.lastError})`,
        );
      }
    }
    return result;
  }
}

function* chunks(records: StreamRecord[]): Generator<StreamRecord[]> {
  let current: StreamRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.data.length + Buffer.byteLength(r.partitionKey);
    if (current.length > 0 && (current.length === MAX_RECORDS || bytes + size > MAX_BYTES)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) yield current;
}
