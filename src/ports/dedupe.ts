/**
 * Cross-batch deduplication on the event key, with a lease so that a crash between claim and
 * delivery cannot lose an event. Every call names the lease `owner` (one id per invocation):
 *  - claim(ids, owner): each id is `claimed` (new, or an expired lease), `duplicate` (already
 *    delivered), or `inFlight` (another invocation holds an unexpired lease: retry later).
 *    All or nothing: if the store fails midway, the leases taken so far are released before the
 *    error is thrown, so a retry of the batch does not find its own ids "in flight".
 *  - commit(ids, owner): delivery succeeded; the id is remembered for the TTL. Only the lease
 *    holder's commit counts (a stale one, after the lease passed to another invocation, is ignored).
 *  - release(ids, owner): delivery failed; the lease is dropped so the redelivered record is not a
 *    duplicate. Only the holder's own pending lease is dropped: a stale release never deletes
 *    another invocation's lease or a `done` marker.
 * The lease must be shorter than the function timeout: a timed-out invocation's leases then
 * expire before Kinesis' retry finds them in flight.
 * AWS: DynamoDB conditional writes with a TTL attribute. Local: an embedded store.
 */
export interface ClaimResult {
  claimed: string[];
  duplicates: string[];
  inFlight: string[];
}

export interface DedupeStore {
  claim(ids: string[], owner: string): Promise<ClaimResult>;
  commit(ids: string[], owner: string): Promise<void>;
  release(ids: string[], owner: string): Promise<void>;
}
