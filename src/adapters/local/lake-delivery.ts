import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Delivery, DeliveryItem, DeliveryResult } from '../../ports/delivery';
import { groupByPrefix, gzipLines, lowestOriginName } from '../delivery-groups';
import { replaceFile } from './files';

/**
 * Embedded Firehose: writes each call's records as gzip NDJSON, one file per key prefix, under
 * the lake folder, with the same key layout Firehose dynamic partitioning produces in S3.
 * A file is written under a temporary name, flushed and renamed, so readers never see half a file.
 *
 * Idempotent by origin: items that came from the stream name their file after the first item's
 * origin (shard and sequence number). A batch redelivered after a crash between delivery and the
 * dedupe commit starts at the same record, so its file replaces the crashed attempt's instead of
 * doubling it; a later batch starts at a later record and cannot collide with a committed file.
 */
export class LakeDelivery implements Delivery {
  private seq = 0;
  constructor(
    private readonly lakeDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async deliver(items: DeliveryItem[]): Promise<DeliveryResult> {
    const byPrefix = groupByPrefix(items);
    const failed: number[] = [];
    let lastError: string | undefined;
    const stamp = this.now().toISOString().replace(/[-:.]/g, '');
    for (const [prefix, indexes] of byPrefix) {
      const dir = join(this.lakeDir, prefix);
      const origins = indexes.map((i) => (items[i] as DeliveryItem).origin);
      const name = origins.every((o) => o !== undefined)
        ? `part-${lowestOriginName(origins)}.ndjson.gz`
        : `part-${stamp}-${String(++this.seq).padStart(6, '0')}-${randomBytes(4).toString('hex')}.ndjson.gz`;
      try {
        await mkdir(dir, { recursive: true });
        await replaceFile(join(dir, name), gzipLines(items, indexes), 0o644);
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        failed.push(...indexes);
      }
    }
    return { failed, calls: byPrefix.size, retried: 0, ...(lastError ? { lastError } : {}) };
  }
}

/** In-memory delivery for tests and benchmarks; `failOnce` makes chosen items fail on their first delivery. */
export class MemoryDelivery implements Delivery {
  readonly items: DeliveryItem[] = [];
  calls = 0;
  private failPredicate: ((line: string) => boolean) | null = null;
  private readonly failedBefore = new Set<string>();

  failOnce(predicate: (line: string) => boolean): void {
    this.failPredicate = predicate;
  }

  async deliver(items: DeliveryItem[]): Promise<DeliveryResult> {
    this.calls++;
    const failed: number[] = [];
    items.forEach((item, i) => {
      if (this.failPredicate?.(item.line) && !this.failedBefore.has(item.line)) {
        this.failedBefore.add(item.line);
        failed.push(i);
      } else this.items.push(item);
    });
    return { failed, calls: 1, retried: 0 };
  }
}
