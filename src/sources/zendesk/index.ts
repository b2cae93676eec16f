import { obj } from '../../domain/normalize/providers/common';
import type { WebhookSource } from '../types';
import { normalizeZendesk } from './normalize';
import { signZendesk, verifyZendesk } from './signature';

/** Zendesk: base64 HMAC-SHA256 of timestamp + body, the event's id. */
export const zendesk: WebhookSource = {
  name: 'zendesk',
  docs: 'https://developer.zendesk.com/documentation/webhooks/verifying/',
  accountIdentity: 'zendesk_user',
  verify: (req, keys, nowMs) =>
    verifyZendesk(
      req.body,
      req.header('x-zendesk-webhook-signature'),
      req.header('x-zendesk-webhook-signature-timestamp'),
      keys,
      nowMs / 1000,
    ),
  eventId: (payload) => (typeof obj(payload).id === 'string' ? (obj(payload).id as string) : null),
  normalize: normalizeZendesk,
  sign: (body, key, nowMs) => {
    const ts = new Date(nowMs).toISOString();
    return {
      'x-zendesk-webhook-signature': signZendesk(body, key, ts),
      'x-zendesk-webhook-signature-timestamp': ts,
    };
  },
  localKeys: { verify: 'c360-local-zendesk-secret', sign: 'c360-local-zendesk-secret' },
};
