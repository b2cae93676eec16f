import {
  draft,
  enumValue,
  identities,
  invalid,
  isoTime,
  obj,
  str,
  unknownType,
} from '../../domain/normalize/providers/common';
import type { NormalizeOutcome, Normalizer } from '../../domain/normalize/types';

/**
 * Zendesk event webhooks (`type: "zen:event-type:ticket.created"`, `detail` = the ticket) →
 * support_ticket. Satisfaction comes from detail.satisfaction_rating.score (good/bad/offered/unoffered).
 */
const STATUSES = new Set(['new', 'open', 'pending', 'hold', 'solved', 'closed']);
const SATISFACTION = new Set(['good', 'bad', 'offered', 'unoffered']);

export const normalizeZendesk: Normalizer = (env): NormalizeOutcome => {
  const p = obj(env.payload);
  const type = str(p.type) ?? '';
  const m = /^zen:event-type:ticket\.(.+)$/.exec(type);
  if (!m) return unknownType('zendesk', p.type);
  const d = obj(p.detail);
  const ticketId = str(d.id);
  if (!ticketId) return invalid('zendesk', '/detail/id', 'ticket id is required');
  const status = enumValue(d.status) ?? 'new';
  const sub = m[1] as string;
  const action =
    sub === 'created' ? 'created' : status === 'solved' || status === 'closed' ? 'solved' : 'updated';
  const score = enumValue(obj(d.satisfaction_rating).score);
  const satisfaction = score && SATISFACTION.has(score) ? score : null;
  const requester = obj(d.requester);
  const email = str(requester.email) ?? str(d.requester_email);
  return {
    ok: true,
    events: [
      draft(env, {
        eventId: str(p.id) ?? `${type}:${ticketId}:${str(p.time) ?? ''}`,
        type: 'support_ticket',
        event: `ticket.${action}`,
        originalTimestamp: isoTime(p.time) ?? isoTime(d.updated_at) ?? isoTime(d.created_at),
        properties: {
          ticketId,
          action,
          status: STATUSES.has(status) ? status : 'open',
          priority: enumValue(d.priority),
          channel: enumValue(obj(d.via).channel) ?? enumValue(d.via),
          subject: str(d.subject),
          satisfaction,
          satisfactionScore: satisfaction === 'good' ? 1 : satisfaction === 'bad' ? 0 : null,
          zendeskEvent: sub,
          provider: 'zendesk',
        },
        traits: email ? { email } : {},
        // A ticket without a requester is still a ticket (no identity; no customer in gold).
        identities: identities(['zendesk_user', d.requester_id ?? requester.id]),
      }),
    ],
  };
};
