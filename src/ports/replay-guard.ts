/**
 * Remembers provider event ids already accepted, so a provider retry (they retry on any
 * non-2xx or timeout) is answered 200 without a second stream record. `remember` is called
 * only after the stream write succeeded. AWS: DynamoDB with TTL; local: embedded.
 */
export interface ReplayGuard {
  seen(provider: string, eventId: string): Promise<boolean>;
  remember(provider: string, eventId: string): Promise<void>;
}
