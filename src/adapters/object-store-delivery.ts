import { gzipSync } from 'node:zlib';
import type { Delivery, DeliveryItem, DeliveryResult } from '../ports/delivery';
import type { ObjectStore } from '../ports/object-store';

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
    const byPrefix = new Map<string, number[]>();
    items.forEach((item, i) => {
      const list = byPrefix.get(item.prefix);
      if (list) list.push(i);
      else byPrefix.set(item.prefix, [i]);
    });
    const failed: number[] = [];
    let lastError: string | undefined;
    for (const [prefix, indexes] of byPrefix) {
      const first = indexes
        .map((i) => (items[i] as DeliveryItem).origin ?? '')
        .reduce((a, b) => (a === '' || (b !== '' && b < a) ? b : a), '');
      const name = `part-${(first || `${Date.now()}`).replace(/[^A-Za-z0-9_-]/g, '-')}.ndjson.gz`;
      try {
        const body = gzipSync(`${indexes.map((i) => (items[i] as DeliveryItem).line).join('\n')}\n`);
        await this.store.put(`${prefix}${name}`, body);
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        failed.push(...indexes);
      }
    }
    return { failed, calls: byPrefix.size, retried: 0, ...(lastError ? { lastError } : {}) };
  }
}
