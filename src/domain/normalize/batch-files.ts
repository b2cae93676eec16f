import { createHash } from 'node:crypto';
import { optIn } from '../consent';
import { normalizeCurrency, toMinorUnits } from '../money';
import { draft, identities, invalid, num, obj, str } from './providers/common';
import type { NormalizeOutcome, Normalizer } from './types';

/**
 * Normalizers for batch-file rows (RawEnvelope kind 'batch_file', provider = the file kind). Rows
 * were validated field by field when the file was read (src/domain/batch/rows.ts), so these only
 * map them onto the canonical model.
 */
const orders: Normalizer = (env): NormalizeOutcome => {
  const r = obj(env.payload);
  const currency = normalizeCurrency(r.currency);
  if (!currency) return invalid('orders', '/currency', 'an ISO-4217 currency is required');
  const amount = toMinorUnits(r.amount, currency);
  if (amount === null) return invalid('orders', '/amount', 'amount must be a decimal amount');
  const eventId = env.eventId ?? '';
  // One line per distinct product and unit price, its quantity the times it is listed.
  const units = str(r.products)?.split('|') ?? [];
  const lines = new Map<string, { productId: string; sku: string; price: number; quantity: number }>();
  for (const unit of units) {
    const at = unit.lastIndexOf('@');
    const productId = unit.slice(0, at);
    const price = toMinorUnits(unit.slice(at + 1), currency);
    if (at < 1 || price === null)
      return invalid('orders', '/products', `"${unit}" is not "product id@unit price"`);
    const line = lines.get(unit) ?? { productId, sku: productId, price, quantity: 0 };
    line.quantity++;
    lines.set(unit, line);
  }
  const items = num(r.items) ?? (units.length ? units.length : null);
  return {
    ok: true,
    events: [
      draft(env, {
        eventId,
        type: 'order_completed',
        event: 'Order Completed',
        originalTimestamp: str(r.ordered_at),
        userId: str(r.customer_id),
        properties: {
          orderId: str(r.order_id) ?? eventId,
          amount,
          currency,
          // An order-history file lists completed orders.
          status: 'paid',
          ...(items !== null ? { itemCount: Math.round(items) } : {}),
          ...(lines.size ? { items: [...lines.values()] } : {}),
          provider: 'orders_file',
        },
        traits: str(r.email) ? { email: str(r.email) } : {},
        identities: [],
      }),
    ],
  };
};

const crm: Normalizer = (env) => {
  const r = obj(env.payload);
  const traits: Record<string, unknown> = {};
  for (const [k, t] of [
    ['email', 'email'],
    ['first_name', 'firstName'],
    ['last_name', 'lastName'],
    ['country', 'country'],
  ] as const) {
    if (str(r[k])) traits[t] = str(r[k]);
  }
  return {
    ok: true,
    events: [
      draft(env, {
        eventId: env.eventId ?? '',
        type: 'crm_contact',
        event: 'contact.updated',
        originalTimestamp: str(r.updated_at),
        userId: str(r.customer_id),
        properties: {
          contactId: str(r.contact_id),
          lifecycleStage: str(r.lifecycle_stage),
          provider: 'crm_file',
        },
        traits,
        identities: identities(['crm_contact', r.contact_id]),
        // The CRM's marketing opt-in (a consent statement, src/domain/consent.ts), when it has one.
        ...(optIn(r.marketing_opt_in) !== null
          ? { context: { consent: { categoryPreferences: { marketing: optIn(r.marketing_opt_in) } } } }
          : {}),
      }),
    ],
  };
};

const tickets: Normalizer = (env) => {
  const r = obj(env.payload);
  const status = str(r.status) ?? 'new';
  const satisfaction = str(r.satisfaction);
  return {
    ok: true,
    events: [
      draft(env, {
        eventId: env.eventId ?? '',
        type: 'support_ticket',
        event: status === 'solved' || status === 'closed' ? 'ticket.solved' : 'ticket.created',
        originalTimestamp: str(r.created_at),
        userId: str(r.customer_id),
        properties: {
          ticketId: str(r.ticket_id),
          action: status === 'solved' || status === 'closed' ? 'solved' : 'created',
          status,
          priority: str(r.priority),
          subject: str(r.subject),
          satisfaction,
          satisfactionScore: satisfaction === 'good' ? 1 : satisfaction === 'bad' ? 0 : null,
          provider: 'tickets_file',
        },
        traits: str(r.email) ? { email: str(r.email) } : {},
        identities: [],
      }),
    ],
  };
};

/** Social handles are not stored in clear: the author becomes an opaque anonymous id. */
const social: Normalizer = (env) => {
  const r = obj(env.payload);
  const sentiment = str(r.sentiment) ?? 'neutral';
  const confidence = num(r.confidence) ?? 1;
  const handle = str(r.handle);
  const handleHash = handle ? createHash('sha256').update(handle.toLowerCase()).digest('hex') : null;
  return {
    ok: true,
    events: [
      draft(env, {
        eventId: env.eventId ?? '',
        type: 'social_mention',
        event: str(r.platform) ?? 'twitter',
        originalTimestamp: str(r.created_at),
        anonymousId: handleHash ? `social_${handleHash.slice(0, 24)}` : null,
        properties: {
          mentionId: str(r.mention_id),
          platform: str(r.platform) ?? 'twitter',
          text: str(r.text) ?? '',
          sentiment,
          sentimentScore: sentiment === 'positive' ? confidence : sentiment === 'negative' ? -confidence : 0,
          topic: str(r.topic),
          ...(handleHash ? { handleHash } : {}),
        },
        identities: [],
      }),
    ],
  };
};

export const batchFileNormalizers: Record<string, Normalizer> = { orders, crm, tickets, social };
