import { randomBytes } from 'node:crypto';
import { contextAad, open, seal } from '../../domain/privacy/sealed';
import type { KeyWrapper } from '../../ports/key-wrapper';

/**
 * Embedded stand-in for the vault's KMS key: data keys wrapped with AES-256-GCM under a master key
 * generated per data folder (`<data>/state/vault.key`, owner-only), the context bound as
 * associated data exactly as KMS binds an encryption context.
 */
export class LocalKeyWrapper implements KeyWrapper {
  constructor(private readonly master: Buffer) {
    if (master.length !== 32) throw new Error('the local vault key must be 32 bytes');
  }

  async generate(context: Record<string, string>) {
    const plaintext = randomBytes(32);
    return { plaintext, wrapped: Buffer.from(seal(plaintext, this.master, contextAad(context)), 'utf8') };
  }

  async unwrap(wrapped: Buffer, context: Record<string, string>) {
    return open(wrapped.toString('utf8'), this.master, contextAad(context));
  }
}
