import { createHash } from 'node:crypto';
import type { WebhookSource } from '../types';
import { normalizeShopify } from './normalize';
import { signShopify, verifyShopify } from './signature';

/**
 * Shopify: `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the body). Its event and webhook id
 * headers are not signed, so the replay key is the signed body itself (a hash): the same body
 * again is the same order state, never new information.
 */
export const shopify: WebhookSource = {
  name: 'shopify',
  docs: 'https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook',
  accountIdentity: 'shopify_customer',
  verify: (req, keys) => verifyShopify(req.body, req.header('x-shopify-hmac-sha256'), keys),
  eventId: (_payload, req) => req.header('x-shopify-event-id') ?? req.header('x-shopify-webhook-id') ?? null,
  replayKey: (_eventId, body) => `body:${createHash('sha256').update(body).digest('hex')}`,
  keptHeaders: ['x-shopify-topic', 'x-shopify-shop-domain', 'x-shopify-event-id', 'x-shopify-webhook-id'],
  normalize: normalizeShopify,
  sign: (body, key) => ({ 'x-shopify-hmac-sha256': signShopify(body, key) }),
  localKeys: { verify: 'c360-local-shopify-secret', sign: 'c360-local-shopify-secret' },
};
