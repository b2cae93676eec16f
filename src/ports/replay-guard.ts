/**
 * Replay protection for webhooks and postbacks: a provider retries on any non-2xx or timeout, and
 * a captured signed request could be sent again. The check and the write are one atomic step:
 *  - claim(key, owner): `claimed` (first time; the caller writes to the stream, then confirms or
 *    releases), `duplicate` (already accepted: answer 200, write nothing), or `in_flight`
 *    (another request with the same key is being written: answer a retryable 503, never a 200
 *    that would stop the provider's retries if that other write fails);
 *  - confirm(key, owner): the stream write succeeded; remember the key for the TTL;
 *  - release(key, owner): the stream write failed; forget the claim so the retry is accepted.
 * Keys are namespaced by provider. AWS: DynamoDB conditional writes with TTL; local: an atomic
 * exclusive-create of a file per key.
 */
export type ReplayClaim = 'claimed' | 'duplicate' | 'in_flight';

export interface ReplayGuard {
  claim(provider: string, key: string, owner: string): Promise<ReplayClaim>;
  confirm(provider: string, key: string, owner: string): Promise<void>;
  release(provider: string, key: string, owner: string): Promise<void>;
}
