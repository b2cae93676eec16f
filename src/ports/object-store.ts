/** Objects by key: S3 (the lake bucket) in AWS, a folder locally (same keys). */
export interface ObjectStore {
  put(key: string, body: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Every key under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
}
