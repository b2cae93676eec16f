/**
 * What the enrich stage remembers about each stream shard it consumes, so that a batch Kinesis
 * delivers again (a retry after a partial failure, a timeout, a bisected batch) does not write
 * its events to bronze a second time. One item per shard, read once and written once per batch:
 * the stream-time dedupe costs two calls per batch, not two writes per event.
 *
 * Why a shard checkpoint and not a store of every event id: silver dedupes every event id
 * globally (sql/silver/events.sql), so what the stream stage must prevent is only what silver
 * cannot see cheaply or what would inflate bronze by a whole batch: Kinesis redelivery. A sender's
 * own retry of the same event (a new record with the same id) is dropped in-batch when it shares
 * the batch, and by silver otherwise; the real-time tier, a separate consumer, drops repeated
 * order ids within its window (domain/realtime.ts).
 *
 * The checkpoint assumes one invocation per shard at a time (the event source mapping's
 * ParallelizationFactor 1, Kinesis' per-shard ordering; embedded, the consumer lock). A write
 * names the version it read; a writer that finds another version did not read the latest
 * checkpoint, and its write is refused (the batch's events are delivered all the same: at worst
 * a later redelivery stores some twice in bronze, which silver removes).
 */
export interface ShardCheckpoint {
  /** Every record of the shard up to and including this sequence number is stored or quarantined; null before the first. */
  through: string | null;
  /**
   * Records after `through` whose events were delivered in whole or in part by a batch that then
   * failed on an earlier record: their sequence number and the digests (keyDigest) of the event
   * keys delivered from them. Kinesis redelivers them with the failed record; these are dropped.
   */
  beyond: { seq: string; keys: string[] }[];
  /** The store's version of the item (0 when there is none yet). */
  version: number;
}

export interface CheckpointStore {
  get(shardId: string): Promise<ShardCheckpoint>;
  /**
   * Replaces the shard's checkpoint when its version is still `expected` (the new one has
   * `expected + 1`). Returns false when another writer moved it first; throws on a store failure.
   */
  put(shardId: string, next: Omit<ShardCheckpoint, 'version'>, expected: number): Promise<boolean>;
}
