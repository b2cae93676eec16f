/** Maps a Segment write key to its source name (null when unknown). */
export interface WriteKeyResolver {
  resolve(writeKey: string): Promise<string | null>;
}

/** Admission control per source: false when the source is over its rate. */
export interface RateLimiter {
  tryTake(source: string, events: number): boolean;
}
