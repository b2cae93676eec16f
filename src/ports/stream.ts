/**
 * EventStream: the durable, ordered-per-key buffer between the edge and the enrich stage.
 * AWS: Kinesis Data Streams (src/adapters/aws/kinesis-stream.ts).
 * Local: files under the data folder (src/adapters/local/file-stream.ts).
 */

export interface StreamRecord {
  partitionKey: string;
  data: Uint8Array;
}

export interface PutResult {
  /** Records written (all of them on success; put() throws otherwise). */
  written: number;
  /** How many PutRecords-style calls were made, including retries. */
  calls: number;
  /** How many records were retried after a partial failure. */
  retried: number;
}

export interface EventStream {
  /**
   * Durably write every record or throw DownstreamUnavailableError. Implementations split into
   * API-sized calls and retry only the records that failed, with backoff and jitter.
   */
  put(records: StreamRecord[]): Promise<PutResult>;
}

/** A record read back from the stream, shaped like a Kinesis event record. */
export interface StoredStreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  /** base64 of the record data, as Kinesis delivers it to Lambda. */
  data: string;
  approximateArrivalTimestamp: number;
  shardId: string;
}

/** Implemented by local streams only: the embedded runtime reads records back to drive the enrich handler. */
export interface ReadableEventStream extends EventStream {
  /** Records after `afterSequence` (exclusive), at most `limit`. */
  read(afterSequence: string | null, limit: number): Promise<StoredStreamRecord[]>;
}
