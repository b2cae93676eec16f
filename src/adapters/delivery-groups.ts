import { gzipSync } from 'node:zlib';
import type { DeliveryItem } from '../ports/delivery';

/** The indexes of the items of each key prefix, in order: one file or object per prefix. */
export function groupByPrefix(items: readonly DeliveryItem[]): Map<string, number[]> {
  const byPrefix = new Map<string, number[]>();
  items.forEach((item, i) => {
    const list = byPrefix.get(item.prefix);
    if (list) list.push(i);
    else byPrefix.set(item.prefix, [i]);
  });
  return byPrefix;
}

/**
 * The lowest stream origin (`<shard>/<sequence number>`) among the items, safe as a file name, or
 * null when none has one: a batch redelivered from the same record gets the same name.
 */
export function lowestOriginName(origins: readonly (string | undefined)[]): string | null {
  let lowest: string | undefined;
  for (const o of origins)
    if (o !== undefined && o !== '' && (lowest === undefined || o < lowest)) lowest = o;
  return lowest === undefined ? null : lowest.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** The items' lines as one gzip NDJSON body. */
export function gzipLines(items: readonly DeliveryItem[], indexes: readonly number[]): Buffer {
  return gzipSync(`${indexes.map((i) => (items[i] as DeliveryItem).line).join('\n')}\n`);
}
