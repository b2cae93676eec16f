/**
 * Cross-batch deduplication on event id, with a lease so that a crash between claim and
 * delivery cannot lose an event:
 *  - claim(ids): each id is `claimed` (new, or an expired lease), `duplicate` (already
 *    delivered), or `inFlight` (another invocation holds an unexpired lease: retry later);
 *  - commit(ids): delivery succeeded, remember the ids for the TTL;
 *  - release(ids): delivery failed, forget the claims so the redelivered record is not a duplicate.
 * AWS: DynamoDB conditional writes with a TTL attribute. Local: an embedded store.
 */
export interface ClaimResult {
  claimed: string[];
  duplicates: string[];
  inFlight: string[];
}

export interface DedupeStore {
  claim(ids: string[]): Promise<ClaimResult>;
  commit(ids: string[]): Promise<void>;
  release(ids: string[]): Promise<void>;
}
