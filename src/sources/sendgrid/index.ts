import { obj, str } from '../../domain/normalize/providers/common';
import type { WebhookSource } from '../types';
import { normalizeSendgrid } from './normalize';
import { SIGNATURE, signSendgrid, TIMESTAMP, verifySendgrid } from './signature';

/**
 * SendGrid's Event Webhook: email delivery and engagement, ECDSA-signed (./signature.ts),
 * normalized to canonical email events (./normalize.ts).
 */
export const sendgrid: WebhookSource = {
  name: 'sendgrid',
  docs: 'https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features',
  verify: (req, keys, nowMs) =>
    verifySendgrid(req.body, req.header(SIGNATURE), req.header(TIMESTAMP), keys, nowMs),
  // A batch: its events' ids, sorted (the signed body holds them all).
  eventId: (payload) => {
    const list = Array.isArray(payload) ? payload : [payload];
    const ids = list.map((e) => str(obj(e).sg_event_id)).filter((x): x is string => x !== null);
    return ids.length ? [...new Set(ids)].sort().join(',') : null;
  },
  normalize: normalizeSendgrid,
  sign: signSendgrid,
  // A dev-only key pair generated for c360's embedded run (never a SendGrid key).
  localKeys: {
    verify:
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGyPIiyUFi8C4H2e3zieCINVB3qO+b9w64H3+V6ZAuo0UkdM5fLouASUMxILEbVH/2r2lBjsiONtwTMSAivhoBA==',
    sign: 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBlN+zdSPHCwIcxGbL/Z5do1cJbJnDvkl1awGUIL2DB6hRANCAAQbI8iLJQWLwLgfZ7fOJ4Ig1UHeo75v3Drgff5XpkC6jRSR0zl8ui4BJQzEgsRtUf/avaUGOyI423BMxICK+GgE',
  },
};
