import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { replaceFile } from '../adapters/local/files';
import type { OnFailureRecord } from '../ports/redrive';
import type { ReadableEventStream, StoredStreamRecord } from '../ports/stream';
import type { LoggerPort } from '../ports/telemetry';
import { toKinesisRecord } from './local-enrich';

/**
 * The embedded Lambda event source mapping for the local stream, with the settings and
 * semantics of a Kinesis event source mapping (template.yaml EnrichFunction):
 *
 * - reads up to `batchSize` records after the checkpoint, waiting up to `batchingWindowMs` to
 *   fill a batch, and invokes the handler with a Kinesis event;
 * - partial batch responses (ReportBatchItemFailures): the checkpoint advances to just before the
 *   first failed record, and the rest is retried;
 * - a handler that throws: with `bisectBatchOnFunctionError` the batch is split in two and each
 *   half retried, down to the failing record;
 * - after `maximumRetryAttempts` the records go to the on-failure destination (Kinesis batch info
 *   as Lambda writes it to SQS: shard and sequence range, never the data) and processing moves
 *   on; `c360 redrive` re-reads them from the stream by sequence number.
 */

export interface OnFailureDestination {
  send(record: OnFailureRecord): Promise<void>;
}

/** Locally, the on-failure "queue" is an NDJSON file read by `c360 redrive`. */
export class FileFailureDestination implements OnFailureDestination {
  constructor(readonly file: string) {}
  async send(record: OnFailureRecord): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await appendFile(this.file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }
}

export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | undefined>;

export interface EventSourceOptions {
  stream: ReadableEventStream;
  handler: KinesisHandler;
  checkpointFile: string;
  onFailure: OnFailureDestination;
  logger?: LoggerPort;
  batchSize?: number;
  batchingWindowMs?: number;
  maximumRetryAttempts?: number;
  bisectBatchOnFunctionError?: boolean;
  /** How long to sleep when the stream has nothing new. */
  pollIntervalMs?: number;
  /** Called after each checkpoint (e.g. to trim the stream). */
  onCheckpoint?: (sequenceNumber: string) => Promise<void> | void;
  /**
   * A second consumer of the same records (the real-time tier's tumbling windows): given the
   * records the handler completed, in order. Its failures are logged and do not hold enrich back.
   */
  tap?: (records: StoredStreamRecord[]) => Promise<void>;
  /** Called on every poll, e.g. to close a tumbling window whose time is up. */
  onIdle?: () => Promise<void>;
  streamArn?: string;
  /**
   * The mapping's own failures in a row (a stream it cannot read, a checkpoint it cannot write,
   * not the handler's: those are retried and sent on) after which it stops for good (default 5).
   */
  maxConsecutiveErrors?: number;
  /** Called once when the mapping stopped for good: whoever feeds the stream must stop accepting. */
  onFatal?: (err: unknown) => void;
}

export interface MappingStats {
  batches: number;
  invocations: number;
  records: number;
  retried: number;
  sentToOnFailure: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EventSourceMapping {
  readonly stats: MappingStats = { batches: 0, invocations: 0, records: 0, retried: 0, sentToOnFailure: 0 };
  private checkpoint: string | null = null;
  private loaded = false;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly o: Required<
    Omit<EventSourceOptions, 'logger' | 'onCheckpoint' | 'tap' | 'onIdle' | 'onFatal'>
  > &
    Pick<EventSourceOptions, 'logger' | 'onCheckpoint' | 'tap' | 'onIdle' | 'onFatal'>;
  /** Why the mapping stopped for good, or null while it runs. */
  failure: unknown = null;

  constructor(opts: EventSourceOptions) {
    this.o = {
      batchSize: 100,
      batchingWindowMs: 500,
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: true,
      pollIntervalMs: 200,
      maxConsecutiveErrors: 5,
      streamArn: 'arn:aws:kinesis:local:000000000000:stream/c360-events',
      ...opts,
    };
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    try {
      this.checkpoint = (await readFile(this.o.checkpointFile, 'utf8')).trim() || null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.loaded = true;
  }

  private async advance(to: string): Promise<void> {
    this.checkpoint = to;
    await mkdir(dirname(this.o.checkpointFile), { recursive: true });
    await replaceFile(this.o.checkpointFile, to);
    await this.o.onCheckpoint?.(to);
  }

  /** Reads one batch, waiting up to the batching window for it to fill. */
  private async nextBatch(): Promise<StoredStreamRecord[]> {
    const first = await this.o.stream.read(this.checkpoint, this.o.batchSize);
    if (first.length === 0 || first.length >= this.o.batchSize || this.o.batchingWindowMs <= 0) return first;
    const deadline = Date.now() + this.o.batchingWindowMs;
    let batch = first;
    while (batch.length < this.o.batchSize && Date.now() < deadline && this.running) {
      await sleep(Math.min(50, deadline - Date.now()));
      batch = await this.o.stream.read(this.checkpoint, this.o.batchSize);
    }
    return batch;
  }

  /** Invokes the handler for `records` (retries, bisection, on-failure); returns when all are done. */
  private async process(records: StoredStreamRecord[], attempt = 0): Promise<void> {
    this.stats.invocations++;
    let failedFrom = records.length;
    let error: string | undefined;
    try {
      const res = await this.o.handler({ Records: records.map(toKinesisRecord) });
      const failedIds = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      const idx = records.findIndex((r) => failedIds.has(r.sequenceNumber));
      if (idx >= 0) failedFrom = idx;
      else if (failedIds.size > 0) failedFrom = 0; // an identifier not in the batch: retry it all, as Lambda does
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      this.o.logger?.warn('enrich invocation failed', { error, records: records.length, attempt });
      if (this.o.bisectBatchOnFunctionError && records.length > 1) {
        const half = Math.ceil(records.length / 2);
        await this.process(records.slice(0, half), attempt);
        await this.process(records.slice(half), attempt);
        return;
      }
      failedFrom = 0;
    }
    if (failedFrom > 0) {
      this.stats.records += failedFrom;
      await this.advance((records[failedFrom - 1] as StoredStreamRecord).sequenceNumber);
      await this.tapped(records.slice(0, failedFrom));
    }
    const rest = records.slice(failedFrom);
    if (rest.length === 0) return;
    if (attempt < this.o.maximumRetryAttempts) {
      this.stats.retried += rest.length;
      await sleep(Math.min(1000, 20 * 2 ** attempt));
      return this.process(rest, attempt + 1);
    }
    const firstRec = rest[0] as StoredStreamRecord;
    const lastRec = rest.at(-1) as StoredStreamRecord;
    await this.o.onFailure.send({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: attempt + 1,
        ...(error ? { functionError: error } : {}),
      },
      KinesisBatchInfo: {
        shardId: firstRec.shardId,
        startSequenceNumber: firstRec.sequenceNumber,
        endSequenceNumber: lastRec.sequenceNumber,
        batchSize: rest.length,
        streamArn: this.o.streamArn,
        approximateArrivalOfFirstRecord: new Date(firstRec.approximateArrivalTimestamp).toISOString(),
        approximateArrivalOfLastRecord: new Date(lastRec.approximateArrivalTimestamp).toISOString(),
      },
      timestamp: new Date().toISOString(),
    });
    this.stats.sentToOnFailure += rest.length;
    this.stats.records += rest.length;
    this.o.logger?.error('records sent to the on-failure destination after retries', {
      start: firstRec.sequenceNumber,
      end: lastRec.sequenceNumber,
    });
    await this.advance(lastRec.sequenceNumber);
  }

  private async tapped(records: StoredStreamRecord[]): Promise<void> {
    try {
      await this.o.tap?.(records);
    } catch (err) {
      this.o.logger?.error(
        'the second consumer (real-time tier) failed on a batch',
        err instanceof Error ? err : { err },
      );
    }
  }

  /** Processes everything in the stream now, then returns (what `c360 enrich` and tests use). */
  async drain(): Promise<MappingStats> {
    await this.load();
    const wasRunning = this.running;
    this.running = true;
    try {
      for (;;) {
        const batch = await this.o.stream.read(this.checkpoint, this.o.batchSize);
        if (batch.length === 0) break;
        this.stats.batches++;
        await this.process(batch);
      }
    } finally {
      this.running = wasRunning;
    }
    return this.stats;
  }

  /** Polls continuously until stop(). */
  start(): void {
    if (this.loop) return;
    this.running = true;
    this.loop = (async () => {
      let errors = 0;
      while (this.running) {
        try {
          await this.load();
          await this.o.onIdle?.();
          const batch = await this.nextBatch();
          errors = 0;
          if (batch.length === 0) {
            await sleep(this.o.pollIntervalMs);
            continue;
          }
          this.stats.batches++;
          await this.process(batch);
        } catch (err) {
          // A passing failure (a full disk for a moment) is logged and polled again; one that
          // keeps failing stops the mapping and says so, rather than events piling up unread.
          errors++;
          this.o.logger?.error('event source mapping error', err instanceof Error ? err : { err });
          if (errors >= this.o.maxConsecutiveErrors) {
            this.failure = err;
            this.running = false;
            this.o.onFatal?.(err);
            break;
          }
          await sleep(this.o.pollIntervalMs * 5);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
  }
}
