import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What every source's signature check shares (the checks themselves live with their source,
 * `src/sources/<name>/signature.ts`): the typed outcome, HMAC over raw body bytes, and a
 * constant-time comparison. Every verifier accepts several secrets (rotation).
 */
export type Verification = { ok: true } | { ok: false; reason: string };

export const OK: Verification = { ok: true };
export const fail = (reason: string): Verification => ({ ok: false, reason });

/** HMAC-SHA256 of the parts, in order, as hex or base64. */
export function hmac(secret: string, parts: (string | Buffer)[], encoding: 'hex' | 'base64'): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest(encoding);
}

/** Constant-time string comparison (lengths may leak, contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
