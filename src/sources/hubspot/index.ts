import { obj } from '../../domain/normalize/providers/common';
import type { WebhookSource } from '../types';
import { normalizeHubspot } from './normalize';
import { signHubspot, verifyHubspotV3 } from './signature';

/** HubSpot v3: HMAC-SHA256 of method + URL + body + timestamp; a batch's event ids, sorted. */
export const hubspot: WebhookSource = {
  name: 'hubspot',
  docs: 'https://developers.hubspot.com/docs/api/webhooks/validating-requests',
  accountIdentity: 'hubspot_contact',
  verify: (req, keys, nowMs) =>
    verifyHubspotV3(
      req.method,
      req.url,
      req.body,
      req.header('x-hubspot-signature-v3'),
      req.header('x-hubspot-request-timestamp'),
      keys,
      nowMs,
    ),
  eventId: (payload) => {
    const list = Array.isArray(payload) ? payload : [payload];
    const ids = list.map((e) => String(obj(e).eventId ?? '')).filter(Boolean);
    return ids.length ? ids.sort().join(',') : null;
  },
  normalize: normalizeHubspot,
  sign: (body, key, nowMs, url) => ({
    'x-hubspot-signature-v3': signHubspot('POST', url, body, key, nowMs),
    'x-hubspot-request-timestamp': String(nowMs),
  }),
  localKeys: { verify: 'c360-local-hubspot-secret', sign: 'c360-local-hubspot-secret' },
};
