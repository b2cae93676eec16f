/**
 * Delivery: where enriched events (and quarantined ones) go.
 * AWS: Firehose PutRecordBatch; Firehose dynamic partitioning derives the S3 prefix from the
 * record itself (JQ), so `prefix` is informational there. Local: files under the lake folder at
 * exactly that prefix.
 */
export interface DeliveryItem {
  /** Lake key prefix, e.g. bronze/events/source=web/event_type=track/dt=2026-01-01/hour=10/ */
  prefix: string;
  /** One JSON document (no trailing newline). */
  line: string;
  /**
   * Where the item came from in the stream (`<shardId>/<sequenceNumber>`), when it did. The
   * embedded lake names its files after their first item's origin, so a batch redelivered after a
   * crash replaces what the crashed attempt wrote instead of adding to it. Firehose ignores it:
   * its own delivery is at-least-once, and silver dedupes.
   */
  origin?: string;
}

export interface DeliveryResult {
  /** Indexes (into the items passed) that were not delivered after retries. */
  failed: number[];
  calls: number;
  retried: number;
  /** The last error seen when some items failed (for the log). */
  lastError?: string;
}

export interface Delivery {
  deliver(items: DeliveryItem[]): Promise<DeliveryResult>;
}
