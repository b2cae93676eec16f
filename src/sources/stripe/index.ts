import { normalizeStripe } from '../../domain/normalize/providers/stripe';
import { sign, verifyStripe } from '../../domain/webhooks/signatures';
import type { WebhookSource } from '../types';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Stripe: `Stripe-Signature` (HMAC-SHA256 of `t.body`), the event object's id. */
export const stripe: WebhookSource = {
  name: 'stripe',
  docs: 'https://docs.stripe.com/webhooks#verify-manually',
  verify: (req, keys, nowMs) => verifyStripe(req.body, req.header('stripe-signature'), keys, nowMs / 1000),
  eventId: (payload) => (isObject(payload) && typeof payload.id === 'string' ? payload.id : null),
  normalize: normalizeStripe,
  sign: (body, key, nowMs) => ({ 'stripe-signature': sign.stripe(body, key, Math.floor(nowMs / 1000)) }),
  localKeys: { verify: 'whsec_c360_local_dev', sign: 'whsec_c360_local_dev' },
};
