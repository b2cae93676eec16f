import { LakeDelivery } from '../../src/adapters/local/lake-delivery';
import type { CanonicalEvent, IdentityKey } from '../../src/domain/event';
import { bronzePartition, bronzePrefix } from '../../src/domain/partition';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { canonical } from './canonical';

/** Canonical events straight into a lake's bronze layer, and SQL over the lake, for ETL-level tests. */
let n = 0;
export function lakeEvent(
  type: CanonicalEvent['type'],
  ts: string,
  ids: IdentityKey[],
  props: Record<string, unknown> = {},
  extra: Partial<CanonicalEvent> = {},
): CanonicalEvent {
  n++;
  return canonical({
    eventId: `lk${n}`,
    type,
    event: type === 'track' ? 'Product Viewed' : type,
    userId: ids.find((i) => i.type === 'user_id')?.value ?? null,
    anonymousId: ids.find((i) => i.type === 'anonymous_id')?.value ?? null,
    timestamp: ts,
    receivedAt: ts,
    identities: ids,
    properties: props,
    ...extra,
  });
}

export async function writeBronze(lake: string, events: CanonicalEvent[]): Promise<void> {
  await new LakeDelivery(lake).deliver(
    events.map((e) => ({ prefix: bronzePrefix(bronzePartition(e)), line: JSON.stringify(e) })),
  );
}

export async function queryLake(lake: string, sql: string): Promise<Record<string, unknown>[]> {
  const engine = await openDuckDb();
  try {
    await registerLakeViews(engine, lake);
    return await engine.rows(sql);
  } finally {
    engine.close();
  }
}
