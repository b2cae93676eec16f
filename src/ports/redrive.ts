import type { StoredStreamRecord } from './stream';

/**
 * Redrive: the Kinesis event source mapping's on-failure destination receives only batch info
 * (shard and sequence range) for records whose retries were exhausted. A redrive reads those
 * records back from the stream by sequence number (while within retention) and puts them on the
 * stream again, where the enrich stage processes them (its dedupe makes a repeat harmless).
 */
export interface FailureBatch {
  /** Source handle (SQS receipt handle, line id) used to acknowledge it. */
  handle: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
}

/** AWS: the SQS on-failure queue. Local: the mapping's NDJSON file. */
export interface FailureSource {
  receive(max: number): Promise<FailureBatch[]>;
  /** The batch was redriven: remove it from the source. */
  acknowledge(batch: FailureBatch): Promise<void>;
}

/** Reads the records of a sequence range back from the stream. */
export interface StreamRangeReader {
  readRange(
    shardId: string,
    startSequenceNumber: string,
    endSequenceNumber: string,
  ): Promise<StoredStreamRecord[]>;
}

/** What the on-failure destination receives for a batch whose retries ran out (Lambda writes it to SQS). */
export interface OnFailureRecord {
  requestContext: {
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
    functionError?: string;
  };
  responseContext?: { statusCode: number };
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    batchSize: number;
    streamArn: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
  };
  timestamp: string;
}
