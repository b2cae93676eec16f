/**
 * Data keys for envelope encryption. `generate` returns a fresh 256-bit key in clear (used in
 * memory only) and wrapped (stored beside what it encrypts); `unwrap` needs the same context,
 * which is bound to the wrapped key (a key wrapped for one vault subject cannot be unwrapped as
 * another's). AWS: KMS GenerateDataKey / Decrypt with an encryption context under the vault's own
 * customer-managed key. Embedded: AES-256-GCM under a key generated per data folder.
 */
export interface KeyWrapper {
  generate(context: Record<string, string>): Promise<{ plaintext: Buffer; wrapped: Buffer }>;
  unwrap(wrapped: Buffer, context: Record<string, string>): Promise<Buffer>;
}
