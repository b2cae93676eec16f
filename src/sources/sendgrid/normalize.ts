import {
  contentHash,
  draft,
  enumValue,
  isoTime,
  normalizeEach,
  str,
} from '../../domain/normalize/providers/common';
import type { CanonicalDraft, Normalizer, Rejection } from '../../domain/normalize/types';

// SendGrid Event Webhook events (a JSON array per request) → canonical email events.

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
    eventId: str(e.sg_event_id) ?? contentHash(JSON.stringify(e)),
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
