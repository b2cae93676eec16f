import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signature verification, per provider spec, on the raw body bytes, compared in
 * constant time. Every verifier accepts several secrets (rotation) and returns a typed reason.
 */
export type Verification = { ok: true } | { ok: false; reason: string };

const OK: Verification = { ok: true };
const fail = (reason: string): Verification => ({ ok: false, reason });

function hmac(secret: string, parts: (string | Buffer)[], encoding: 'hex' | 'base64'): string {
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

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of `${t}.${body}`. */
export function verifyStripe(
  body: Buffer,
  header: string | undefined,
  secrets: string[],
  nowSeconds: number,
  toleranceSeconds = 300,
): Verification {
  if (!header) return fail('missing Stripe-Signature header');
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't') t = v;
    else if (k === 'v1' && v) v1.push(v);
  }
  if (!t || !/^\d+$/.test(t) || v1.length === 0)
    return fail('malformed Stripe-Signature header (need t=… and v1=…)');
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return fail('timestamp outside tolerance');
  for (const secret of secrets) {
    const expected = hmac(secret, [`${t}.`, body], 'hex');
    if (v1.some((sig) => safeEqual(sig, expected))) return OK;
  }
  return fail('signature mismatch');
}

/** Shopify: `X-Shopify-Hmac-Sha256`, base64 HMAC-SHA256 of the body. */
export function verifyShopify(body: Buffer, header: string | undefined, secrets: string[]): Verification {
  if (!header) return fail('missing X-Shopify-Hmac-Sha256 header');
  for (const secret of secrets) if (safeEqual(header.trim(), hmac(secret, [body], 'base64'))) return OK;
  return fail('signature mismatch');
}

/** Zendesk: `X-Zendesk-Webhook-Signature` = base64 HMAC-SHA256 of timestamp + body. */
export function verifyZendesk(
  body: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  secrets: string[],
  nowSeconds: number,
  toleranceSeconds = 300,
): Verification {
  if (!signature) return fail('missing X-Zendesk-Webhook-Signature header');
  if (!timestamp) return fail('missing X-Zendesk-Webhook-Signature-Timestamp header');
  const ts = Date.parse(timestamp);
  if (Number.isNaN(ts)) return fail('malformed X-Zendesk-Webhook-Signature-Timestamp (ISO-8601 expected)');
  if (Math.abs(nowSeconds - ts / 1000) > toleranceSeconds) return fail('timestamp outside tolerance');
  for (const secret of secrets)
    if (safeEqual(signature.trim(), hmac(secret, [timestamp, body], 'base64'))) return OK;
  return fail('signature mismatch');
}

/**
 * HubSpot v3: `X-HubSpot-Signature-v3` = base64 HMAC-SHA256 of method + URI + body + timestamp,
 * with `X-HubSpot-Request-Timestamp` in ms, rejected when older than 5 minutes.
 */
export function verifyHubspotV3(
  method: string,
  uri: string,
  body: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  secrets: string[],
  nowMs: number,
  toleranceMs = 300_000,
): Verification {
  if (!signature) return fail('missing X-HubSpot-Signature-v3 header');
  if (!timestamp || !/^\d+$/.test(timestamp))
    return fail('missing or malformed X-HubSpot-Request-Timestamp header');
  if (Math.abs(nowMs - Number(timestamp)) > toleranceMs) return fail('timestamp outside tolerance');
  for (const secret of secrets) {
    const expected = hmac(secret, [method.toUpperCase(), uri, body, timestamp], 'base64');
    if (safeEqual(signature.trim(), expected)) return OK;
  }
  return fail('signature mismatch');
}

/** Signing helpers (tests, sample payloads, the demo): the inverse of the verifiers above. */
export const sign = {
  stripe: (body: string, secret: string, t: number) => `t=${t},v1=${hmac(secret, [`${t}.`, body], 'hex')}`,
  shopify: (body: string, secret: string) => hmac(secret, [body], 'base64'),
  zendesk: (body: string, secret: string, timestamp: string) => hmac(secret, [timestamp, body], 'base64'),
  hubspot: (method: string, uri: string, body: string, secret: string, timestampMs: number) =>
    hmac(secret, [method.toUpperCase(), uri, body, String(timestampMs)], 'base64'),
};
