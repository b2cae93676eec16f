import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

/**
 * Authenticated encryption of one value under a 256-bit data key (AES-256-GCM, random 96-bit IV,
 * optional associated data that must match on opening). Text form: `v1.<iv>.<tag>.<ciphertext>`
 * in base64url, so a sealed value fits a JSON string or a CSV cell.
 */
const b64 = (b: Buffer) => b.toString('base64url');

/**
 * IVs come from a pool of random bytes refilled 4,096 IVs at a time: one call to the system's
 * random source instead of one per value (a seal per archived record made it the hot spot). Each
 * IV is used once, so they stay uniformly random and unique per key as GCM requires.
 */
const IV_BYTES = 12;
const ivPool = Buffer.alloc(IV_BYTES * 4096);
let ivNext = ivPool.length;
function nextIv(): Buffer {
  if (ivNext === ivPool.length) {
    randomFillSync(ivPool);
    ivNext = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivNext, ivNext + IV_BYTES));
  ivNext += IV_BYTES;
  return iv;
}

export function seal(plaintext: Buffer | string, key: Buffer, aad = ''): string {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `v1.${b64(iv)}.${b64(cipher.getAuthTag())}.${b64(body)}`;
}

export function open(sealed: string, key: Buffer, aad = ''): Buffer {
  const [v, iv, tag, body] = sealed.split('.');
  if (v !== 'v1' || iv === undefined || tag === undefined || body === undefined)
    throw new Error('not a sealed value (expected v1.<iv>.<tag>.<ciphertext>)');
  // GCM accepts tags as short as 4 bytes unless told otherwise: a truncated tag is a forgery
  // made easier, so only the full 16 bytes `seal` writes open anything.
  const authTag = Buffer.from(tag, 'base64url');
  if (authTag.length !== 16)
    throw new Error(`not a sealed value: its tag is ${authTag.length} bytes, not 16`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(authTag);
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
}

/** The context in a stable text form (keys sorted), used as associated data. */
export const contextAad = (context: Record<string, string>) =>
  JSON.stringify(
    Object.keys(context)
      .sort()
      .map((k) => [k, context[k]]),
  );
