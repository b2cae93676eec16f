import { obj } from '../../domain/normalize/providers/common';
import type { WebhookSource } from '../types';
import { normalizeStripe } from './normalize';
import { signStripe, verifyStripe } from './signature';

/** Stripe: `Stripe-Signature` (HMAC-SHA256 of `t.body`), the event object's id. */
export const stripe: WebhookSource = {
  name: 'stripe',
  docs: 'https://docs.stripe.com/webhooks#verify-manually',
  accountIdentity: 'stripe_customer',
  verify: (req, keys, nowMs) => verifyStripe(req.body, req.header('stripe-signature'), keys, nowMs / 1000),
  eventId: (payload) => (typeof obj(payload).id === 'string' ? (obj(payload).id as string) : null),
  normalize: normalizeStripe,
  sign: (body, key, nowMs) => ({ 'stripe-signature': signStripe(body, key, Math.floor(nowMs / 1000)) }),
  localKeys: { verify: 'whsec_c360_local_dev', sign: 'whsec_c360_local_dev' },
};
