import type { ComputedProfile, LiveProfile } from '../domain/profile';

/**
 * The profile store (src/domain/profile.ts): identity key → customer, customer → the live half
 * (the stream's) and the computed half (the daily pipeline's). AWS: DynamoDB, two tables written
 * in batches (BatchWriteItem: a retried batch writes the same items again), KMS-encrypted, TTL
 * from config/retention.json. Embedded: LMDB (src/adapters/local/lmdb-profile-store.ts), safe
 * for the consumer process writing while `c360 serve` reads.
 */
export interface ProfileStore {
  /** Key → customer for the keys that are held (absent keys are not in the map). */
  customersOf(nodes: readonly string[]): Promise<Map<string, string>>;
  live(customerIds: readonly string[]): Promise<Map<string, LiveProfile>>;
  computed(customerIds: readonly string[]): Promise<Map<string, ComputedProfile>>;
  /** Links keys (key → customer, overwriting) and writes live halves, in one batch. */
  writeLive(links: ReadonlyMap<string, string>, profiles: readonly LiveProfile[]): Promise<void>;
  /** Links keys (overwriting) and writes computed halves, in one batch. */
  writeComputed(links: ReadonlyMap<string, string>, profiles: readonly ComputedProfile[]): Promise<void>;
  /** Erasure: the customers' halves and the keys go. */
  remove(customerIds: readonly string[], nodes: readonly string[]): Promise<void>;
}
