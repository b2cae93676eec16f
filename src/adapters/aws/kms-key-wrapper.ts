import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { KeyWrapper } from '../../ports/key-wrapper';

/**
 * Data keys from the vault's customer-managed KMS key: GenerateDataKey (AES_256) with the
 * encryption context, Decrypt with the same context and the key id pinned (a ciphertext made
 * under another key is refused rather than decrypted with it).
 */
export class KmsKeyWrapper implements KeyWrapper {
  constructor(
    private readonly keyId: string,
    private readonly client: KMSClient = new KMSClient({}),
  ) {}

  async generate(context: Record<string, string>) {
    const out = await this.client.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    if (!out.Plaintext || !out.CiphertextBlob)
      throw new Error(`KMS GenerateDataKey on ${this.keyId} returned no key material`);
    return { plaintext: Buffer.from(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob) };
  }

  async unwrap(wrapped: Buffer, context: Record<string, string>) {
    const out = await this.client.send(
      new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: wrapped, EncryptionContext: context }),
    );
    if (!out.Plaintext) throw new Error(`KMS Decrypt on ${this.keyId} returned no plaintext`);
    return Buffer.from(out.Plaintext);
  }
}
