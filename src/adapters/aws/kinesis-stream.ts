import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { DownstreamUnavailableError } from '../../domain/errors';
import type { EventStream, PutResult, StreamRecord } from '../../ports/stream';
import { backoffDelay, defaultSleep } from '../retry';

/** Kinesis PutRecords limits per call. */
const MAX_RECORDS = 500;
const MAX_BYTES = 5 * 1024 * 1024;

export interface KinesisEventStreamOptions {
  streamName: string;
  client?: KinesisClient;
  /** Attempts per chunk, including the first. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * EventStream on Kinesis Data Streams. Splits into PutRecords calls of ≤500 records / 5 MiB,
 * resends only the records whose entry carries an ErrorCode (FailedRecordCount > 0), with
 * exponential backoff and full jitter, and throws DownstreamUnavailableError when records are
 * still failing after maxAttempts (or the call itself keeps failing).
 */
export class KinesisEventStream implements EventStream {
  private readonly client: KinesisClient;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: KinesisEventStreamOptions) {
    this.client = options.client ?? new KinesisClient({});
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  async put(records: StreamRecord[]): Promise<PutResult> {
    const result: PutResult = { written: 0, calls: 0, retried: 0 };
    for (const chunk of chunks(records)) {
      await this.putChunk(chunk, result);
    }
    return result;
  }

  private async putChunk(chunk: StreamRecord[], result: PutResult): Promise<void> {
    let pending: PutRecordsRequestEntry[] = chunk.map((r) => ({
      PartitionKey: r.partitionKey,
      Data: r.data,
    }));
    let lastError = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        result.retried += pending.length;
        await this.sleep(backoffDelay(attempt - 1, this.baseDelayMs, this.maxDelayMs, this.random));
      }
      result.calls += 1;
      let failed: PutRecordsRequestEntry[];
      try {
        const out = await this.client.send(
          new PutRecordsCommand({ StreamName: this.options.streamName, Records: pending }),
        );
        const entries = out.Records ?? [];
        if ((out.FailedRecordCount ?? 0) === 0) {
          result.written += pending.length;
          return;
        }
        failed = pending.filter((_, i) => entries[i]?.ErrorCode !== undefined);
        const firstError = entries.find((e) => e.ErrorCode);
        lastError = `${firstError?.ErrorCode}: ${firstError?.ErrorMessage ?? ''}`;
      } catch (err) {
        // The whole call failed (throttled, service error, network): everything is retried.
        lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        failed = pending;
      }
      result.written += pending.length - failed.length;
      pending = failed;
    }
    throw new DownstreamUnavailableError(
      `Kinesis stream ${this.options.streamName} did not accept ${pending.length} record(s) after ${this.maxAttempts} attempts (${lastError})`,
    );
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
