import {
  createPrivateKey,
  createPublicKey,
  sign as ecdsaSign,
  verify as ecdsaVerify,
  type KeyObject,
} from 'node:crypto';
import type { Verification } from '../../domain/webhooks/signatures';

/**
 * SendGrid's Event Webhook: email delivery and engagement (processed, deferred, delivered,
 * bounce, dropped, open, click, spamreport, unsubscribe, group_unsubscribe, group_resubscribe),
 * a JSON array of events per request.
 *
 * Signed Event Webhook: SendGrid signs `timestamp + raw body` with ECDSA P-256 / SHA-256 and
 * sends the signature (base64 DER) in `X-Twilio-Email-Event-Webhook-Signature` and the
 * timestamp (unix seconds) in `X-Twilio-Email-Event-Webhook-Timestamp`. The verification key is
 * the public key SendGrid shows under Mail Settings (base64 DER SubjectPublicKeyInfo): that is
 * what goes into the webhook secret under "sendgrid" (public, but it decides what is trusted).
 * SendGrid documents no replay window; the same 5 minutes as the other sources apply.
 */
export const SIGNATURE = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';
const TOLERANCE_MS = 300_000;

const keyCache = new Map<string, KeyObject | null>();
function publicKey(b64: string): KeyObject | null {
  if (!keyCache.has(b64)) {
    let key: KeyObject | null = null;
    try {
      key = createPublicKey({ key: Buffer.from(b64.trim(), 'base64'), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    keyCache.set(b64, key);
  }
  return keyCache.get(b64) ?? null;
}

export function verifySendgrid(
  body: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  keys: string[],
  nowMs: number,
): Verification {
  if (!signature) return { ok: false, reason: `missing ${SIGNATURE} header` };
  if (!timestamp || !/^\d+$/.test(timestamp))
    return { ok: false, reason: `missing or malformed ${TIMESTAMP} header` };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > TOLERANCE_MS)
    return { ok: false, reason: 'timestamp outside tolerance' };
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
  const sig = Buffer.from(signature.trim(), 'base64');
  let usable = 0;
  for (const k of keys) {
    const key = publicKey(k);
    if (!key) continue;
    usable++;
    try {
      if (ecdsaVerify('sha256', signed, key, sig)) return { ok: true };
    } catch {
      // a signature that is not DER at all: no key verifies it
    }
  }
  return {
    ok: false,
    reason: usable
      ? 'signature mismatch'
      : 'no usable sendgrid verification key (base64 DER public key expected)',
  };
}

/** The headers SendGrid would send for `body` at `nowMs`, signed with a PKCS#8 private key (base64 DER). */
export function signSendgrid(body: string, privateKeyB64: string, nowMs: number): Record<string, string> {
  const ts = String(Math.floor(nowMs / 1000));
  const key = createPrivateKey({ key: Buffer.from(privateKeyB64, 'base64'), format: 'der', type: 'pkcs8' });
  return {
    [SIGNATURE]: ecdsaSign('sha256', Buffer.from(ts + body, 'utf8'), key).toString('base64'),
    [TIMESTAMP]: ts,
  };
}
