import {
  createPrivateKey,
  createPublicKey,
  sign as ecdsaSign,
  verify as ecdsaVerify,
  type KeyObject,
} from 'node:crypto';
import {
  contentHash,
  draft,
  enumValue,
  isoTime,
  normalizeEach,
  obj,
  str,
} from '../../domain/normalize/providers/common';
import type { CanonicalDraft, Normalizer, Rejection } from '../../domain/normalize/types';
import type { Verification } from '../../domain/webhooks/signatures';
import type { WebhookSource } from '../types';

/**
 * SendGrid's Event Webhook: email delivery and engagement (processed, deferred, delivered,
 * bounce, dropped, open, click, spamreport, unsubscribe, group_unsubscribe, group_resubscribe),
 * a JSON array of events per request.
 *
 * Signed Event Webhook: SendGrid signs `timestamp + raw body` with ECDSA P-256 / SHA-256 and
 * sends the signature (base64 DER) in `X-Twilio-Email-Event-Webhook-Signature` and the
 * timestamp (unix seconds) in `X-Twilio-Email-Event-Webhook-Timestamp`. The verification key is
 * the public key SendGrid shows under Mail Settings (base64 DER SubjectPublicKeyInfo): that is
 * what goes into the webhook secret under "sendgrid" (public, but it decides what is trusted).
 * SendGrid documents no replay window; the same 5 minutes as the other sources apply.
 */
const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';
const TOLERANCE_MS = 300_000;

const keyCache = new Map<string, KeyObject | null>();
function publicKey(b64: string): KeyObject | null {
  if (!keyCache.has(b64)) {
    let key: KeyObject | null = null;
    try {
      key = createPublicKey({ key: Buffer.from(b64.trim(), 'base64'), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    keyCache.set(b64, key);
  }
  return keyCache.get(b64) ?? null;
}

export function verifySendgrid(
  body: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  keys: string[],
  nowMs: number,
): Verification {
  if (!signature) return { ok: false, reason: `missing ${SIGNATURE} header` };
  if (!timestamp || !/^\d+$/.test(timestamp))
    return { ok: false, reason: `missing or malformed ${TIMESTAMP} header` };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > TOLERANCE_MS)
    return { ok: false, reason: 'timestamp outside tolerance' };
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
  const sig = Buffer.from(signature.trim(), 'base64');
  let usable = 0;
  for (const k of keys) {
    const key = publicKey(k);
    if (!key) continue;
    usable++;
    try {
      if (ecdsaVerify('sha256', signed, key, sig)) return { ok: true };
    } catch {
      // a signature that is not DER at all: no key verifies it
    }
  }
  return {
    ok: false,
    reason: usable
      ? 'signature mismatch'
      : 'no usable sendgrid verification key (base64 DER public key expected)',
  };
}

/** Segment's email event names where they have one; SendGrid's own otherwise. */
const EVENTS: Record<string, string> = {
  processed: 'Email Processed',
  deferred: 'Email Deferred',
  delivered: 'Email Delivered',
  bounce: 'Email Bounced',
  dropped: 'Email Dropped',
  open: 'Email Opened',
  click: 'Email Link Clicked',
  spamreport: 'Email Marked as Spam',
  unsubscribe: 'Unsubscribed',
  group_unsubscribe: 'Unsubscribed',
  group_resubscribe: 'Resubscribed',
};

function normalizeOne(
  env: Parameters<Normalizer>[0],
  e: Record<string, unknown>,
): CanonicalDraft | Omit<Rejection, 'at'> {
  const kind = str(e.event);
  const name = kind && Object.hasOwn(EVENTS, kind) ? EVENTS[kind] : undefined;
  if (!kind || !name)
    return {
      reason: 'unknown_type',
      detail: `sendgrid event ${JSON.stringify(e.event ?? null)} is not normalized`,
    };
  const email = str(e.email);
  if (!email)
    return {
      reason: 'schema_violation',
      detail: 'sendgrid: /email is required',
      errors: [{ path: '/email', rule: 'required', message: 'the recipient is required' }],
    };
  const categories = Array.isArray(e.category)
    ? e.category.map(str).filter(Boolean)
    : str(e.category)
      ? [str(e.category)]
      : [];
  return draft(env, {
    // sg_event_id is SendGrid's unique id of the event; older payloads without one get a content id.
    eventId: str(e.sg_event_id) ?? `sendgrid:${contentHash(JSON.stringify(e))}`,
    type: 'track',
    event: name,
    originalTimestamp: isoTime(e.timestamp),
    properties: {
      provider: 'sendgrid',
      emailEvent: kind,
      messageId: str(e.sg_message_id),
      categories,
      url: kind === 'click' ? str(e.url) : null,
      // bounce / dropped / deferred: why, as SendGrid classifies it
      reason: str(e.reason) ?? str(e.response),
      status: str(e.status),
      bounceType: enumValue(e.type),
      bounceClassification: str(e.bounce_classification),
      attempt: str(e.attempt),
      asmGroupId: str(e.asm_group_id),
    },
    // The recipient's address: pseudonymized by enrich (email_hash), as every email is.
    traits: { email },
    identities: [],
    // Opens and clicks carry the reader's device: enrich derives browser and geo, then drops the IP.
    context: {
      ...(str(e.useragent) ? { userAgent: str(e.useragent) } : {}),
      ...(str(e.ip) ? { ip: str(e.ip) } : {}),
    },
  });
}

export const normalizeSendgrid: Normalizer = (env) => normalizeEach(env, normalizeOne);

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
  sign: (body, privateKeyB64, nowMs) => {
    const ts = String(Math.floor(nowMs / 1000));
    const key = createPrivateKey({ key: Buffer.from(privateKeyB64, 'base64'), format: 'der', type: 'pkcs8' });
    return {
      [SIGNATURE]: ecdsaSign('sha256', Buffer.from(ts + body, 'utf8'), key).toString('base64'),
      [TIMESTAMP]: ts,
    };
  },
  // A dev-only key pair generated for c360's embedded run (never a SendGrid key).
  localKeys: {
    verify:
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGyPIiyUFi8C4H2e3zieCINVB3qO+b9w64H3+V6ZAuo0UkdM5fLouASUMxILEbVH/2r2lBjsiONtwTMSAivhoBA==',
    sign: 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBlN+zdSPHCwIcxGbL/Z5do1cJbJnDvkl1awGUIL2DB6hRANCAAQbI8iLJQWLwLgfZ7fOJ4Ig1UHeo75v3Drgff5XpkC6jRSR0zl8ui4BJQzEgsRtUf/avaUGOyI423BMxICK+GgE',
  },
};
