/** Objects by key: S3 (the lake bucket) in AWS, a folder locally (same keys). */
export interface ObjectStore {
  put(key: string, body: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Every key under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * Removes objects (absent keys are no error). In the versioned lake bucket a removed object
   * stays as a noncurrent version until the lifecycle expires it; embedded, a store may keep
   * removed files aside the same way.
   */
  remove(keys: readonly string[]): Promise<void>;
}
