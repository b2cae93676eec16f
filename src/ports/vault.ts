/**
 * Storage of the PII vault: per subject (an identity node such as `user_id:42` or
 * `email_hash:<hmac>`), one wrapped data key and the entries sealed with it. AWS: two DynamoDB
 * tables encrypted with the vault's KMS key (the keys table without backups, so deleting a key
 * crypto-shreds every backed-up copy of the entries). Embedded: files under `<data>/vault/`.
 */
export interface VaultEntry {
  id: string;
  sealed: string;
}

export interface VaultStore {
  getKey(subject: string): Promise<Buffer | null>;
  /** The stored wrapped keys of many subjects at once (absent subjects are left out). */
  getKeys(subjects: readonly string[]): Promise<Map<string, Buffer>>;
  /** Stores the wrapped key unless the subject has one; returns the stored one (first writer wins). */
  putKeyIfAbsent(subject: string, wrapped: Buffer): Promise<Buffer>;
  /** Upserts entries by id (rewriting an entry is harmless: ids derive from the value). */
  putEntries(subject: string, entries: VaultEntry[]): Promise<void>;
  /** putEntries for many subjects in as few calls as the store allows. */
  putAllEntries(bySubject: ReadonlyMap<string, VaultEntry[]>): Promise<void>;
  entries(subject: string): Promise<VaultEntry[]>;
  /** Deletes the key first (crypto-shredding), then the entries; false when the subject was unknown. */
  shred(subject: string): Promise<boolean>;
}
