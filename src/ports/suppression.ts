/**
 * Identities erased by `c360 forget`: keyed HMACs of identity nodes (`type:value`), never the
 * values. Enrich drops any later event carrying one (counted as EventsSuppressed). AWS: one S3
 * object in the lake bucket's `privacy/` prefix, re-read by enrich every few minutes; embedded: a
 * file in the data folder's state.
 */
export interface SuppressionList {
  load(): Promise<ReadonlySet<string>>;
  add(hashes: string[]): Promise<void>;
}
