import { fail, hmac, OK, safeEqual, type Verification } from '../../domain/webhooks/signatures';

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

/** The `X-HubSpot-Signature-v3` HubSpot would send for a request at `timestampMs`. */
export const signHubspot = (
  method: string,
  uri: string,
  body: string,
  secret: string,
  timestampMs: number,
): string => hmac(secret, [method.toUpperCase(), uri, body, String(timestampMs)], 'base64');
