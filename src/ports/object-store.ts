/** Objects by key: S3 (the lake bucket) in AWS, a folder locally (same keys). */
export interface ObjectStore {
  put(key: string, body: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Buffer>;
}
