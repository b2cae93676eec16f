import { fail, hmac, OK, safeEqual, type Verification } from '../../domain/webhooks/signatures';

/** Shopify: `X-Shopify-Hmac-Sha256`, base64 HMAC-SHA256 of the body. */
export function verifyShopify(body: Buffer, header: string | undefined, secrets: string[]): Verification {
  if (!header) return fail('missing X-Shopify-Hmac-Sha256 header');
  for (const secret of secrets) if (safeEqual(header.trim(), hmac(secret, [body], 'base64'))) return OK;
  return fail('signature mismatch');
}

/** The `X-Shopify-Hmac-Sha256` header Shopify would send for `body`. */
export const signShopify = (body: string, secret: string): string => hmac(secret, [body], 'base64');
