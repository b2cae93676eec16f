import { fail, hmac, OK, safeEqual, type Verification } from '../../domain/webhooks/signatures';

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

/** The `X-Zendesk-Webhook-Signature` Zendesk would send for `body` at `timestamp` (ISO-8601). */
export const signZendesk = (body: string, secret: string, timestamp: string): string =>
  hmac(secret, [timestamp, body], 'base64');
