import type { Delivery, DeliveryItem, DeliveryResult } from '../ports/delivery';
import type { ObjectStore } from '../ports/object-store';
import { groupByPrefix, gzipLines, lowestOriginName } from './delivery-groups';

/**
 * A Delivery straight to an object store: one gzip NDJSON object per key prefix per call, named
 * after its first item's stream origin (`part-<shard>-<sequence>.ndjson.gz`), so a batch redelivered
 * after a crash rewrites the same objects instead of adding copies. The raw archive uses it in
 * AWS: one PutObject per batch and arrival hour costs far less than Firehose, which bills every
 * record as at least 5 KB, and the archive needs no buffering (a batch is already large).
 */
export class ObjectStoreDelivery implements Delivery {
  constructor(private readonly store: ObjectStore) {}

  async deliver(items: DeliveryItem[]): Promise<DeliveryResult> {
    const byPrefix = groupByPrefix(items);
    const failed: number[] = [];
    let lastError: string | undefined;
    for (const [prefix, indexes] of byPrefix) {
      const origin = lowestOriginName(indexes.map((i) => (items[i] as DeliveryItem).origin));
      try {
        await this.store.put(`${prefix}part-${origin ?? Date.now()}.ndjson.gz`, gzipLines(items, indexes));
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        failed.push(...indexes);
      }
    }
    return { failed, calls: byPrefix.size, retried: 0, ...(lastError ? { lastError } : {}) };
  }
}
