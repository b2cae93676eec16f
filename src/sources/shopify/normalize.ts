import { optIn } from '../../domain/consent';
import { normalizeCurrency, toMinorUnits } from '../../domain/money';
import {
  draft,
  enumValue,
  identities,
  invalid,
  isoTime,
  num,
  obj,
  str,
  unknownType,
} from '../../domain/normalize/providers/common';
import type { NormalizeOutcome, Normalizer } from '../../domain/normalize/types';

/**
 * Shopify webhooks (topic in X-Shopify-Topic) → canonical events; prices are decimal strings,
 * converted exactly. Every orders/* topic reports the state of one order (same orderId, the id
 * exactly as sent, even above 2^53): the status comes from `cancelled_at` and
 * `financial_status`, so a voided or cancelled order is kept but is not revenue.
 */
const ORDER_TOPICS = new Set([
  'orders/create',
  'orders/paid',
  'orders/updated',
  'orders/cancelled',
  'orders/fulfilled',
  'orders/partially_fulfilled',
  'orders/edited',
]);

/** financial_status → the canonical order status (cancelled wins over any payment state). */
function orderStatus(topic: string, o: Record<string, unknown>): string {
  if (topic === 'orders/cancelled' || str(o.cancelled_at)) return 'cancelled';
  switch (enumValue(o.financial_status)) {
    case 'voided':
      return 'voided';
    case 'pending':
      return 'pending';
    case 'authorized':
      return 'authorized';
    case 'expired':
      return 'voided';
    case 'refunded':
    case 'partially_refunded':
    case 'partially_paid':
    case 'paid':
      return 'paid';
    default:
      return topic === 'orders/paid' ? 'paid' : 'pending';
  }
}

/** An orders/* topic → order_completed: amounts in minor units of the order's currency, its lines and state. */
function shopifyOrder(
  env: Parameters<Normalizer>[0],
  topic: string,
  eventId: string,
  o: Record<string, unknown>,
  customer: Record<string, unknown>,
): NormalizeOutcome {
  const orderId = str(o.id);
  if (!orderId) return invalid('shopify', '/id', 'the order id is required');
  const currency = normalizeCurrency(o.currency ?? o.presentment_currency);
  if (!currency) return invalid('shopify', '/currency', 'an ISO-4217 currency is required');
  const amount = toMinorUnits(o.total_price ?? o.current_total_price, currency);
  if (amount === null) return invalid('shopify', '/total_price', 'total_price must be a decimal amount');
  const items = (Array.isArray(o.line_items) ? o.line_items : []).map((l) => {
    const line = obj(l);
    return {
      productId: str(line.product_id),
      sku: str(line.sku),
      name: str(line.title) ?? str(line.name),
      price: toMinorUnits(line.price, currency) ?? 0,
      quantity: num(line.quantity) ?? 1,
    };
  });
  const email = str(o.email) ?? str(customer.email);
  const status = orderStatus(topic, o);
  return {
    ok: true,
    events: [
      draft(env, {
        eventId,
        type: 'order_completed',
        event: topic,
        originalTimestamp: isoTime(o.processed_at) ?? isoTime(o.created_at),
        properties: {
          orderId,
          orderNumber: str(o.order_number) ?? str(o.name),
          amount,
          currency,
          status,
          stateAt: isoTime(o.cancelled_at) ?? isoTime(o.updated_at) ?? isoTime(o.created_at),
          subtotal: toMinorUnits(o.subtotal_price, currency) ?? undefined,
          tax: toMinorUnits(o.total_tax, currency) ?? undefined,
          discount: toMinorUnits(o.total_discounts, currency) ?? undefined,
          itemCount: items.reduce((s, i) => s + i.quantity, 0),
          items,
          financialStatus: enumValue(o.financial_status),
          cancelReason: enumValue(o.cancel_reason),
          provider: 'shopify',
          shop: env.headers?.['x-shopify-shop-domain'] ?? null,
        },
        traits: email ? { email } : {},
        identities: identities(['shopify_customer', customer.id]),
        ...marketingConsent(customer),
      }),
    ],
  };
}

/**
 * A Shopify customer's email marketing consent as a consent statement (src/domain/consent.ts):
 * `email_marketing_consent.state` (subscribed / unsubscribed / not_subscribed), else the older
 * `accepts_marketing` boolean. Pending, invalid or redacted states say nothing.
 */
function marketingConsent(customer: Record<string, unknown>): { context?: Record<string, unknown> } {
  const state = obj(customer.email_marketing_consent).state;
  const stated =
    typeof state === 'string'
      ? optIn(state)
      : typeof customer.accepts_marketing === 'boolean'
        ? customer.accepts_marketing
        : null;
  return stated === null
    ? {}
    : { context: { consent: { categoryPreferences: { email_marketing: stated } } } };
}

export const normalizeShopify: Normalizer = (env): NormalizeOutcome => {
  const topic = env.headers?.['x-shopify-topic'] ?? null;
  const o = obj(env.payload);
  // Without Shopify's event id header, an order's state is identified by its update time, so
  // orders/updated of one order at two times are two events, a redelivery is one.
  const eventId =
    env.eventId ??
    (str(o.id) ? `${topic}:${str(o.id)}:${str(o.updated_at) ?? str(o.created_at) ?? ''}` : null);
  if (!eventId) return invalid('shopify', '/id', 'id (or X-Shopify-Event-Id) is required');
  const customer = obj(o.customer);
  if (topic && ORDER_TOPICS.has(topic)) return shopifyOrder(env, topic, eventId, o, customer);
  switch (topic) {
    case 'refunds/create': {
      const tx = (Array.isArray(o.transactions) ? o.transactions : [])
        .map(obj)
        .filter((t) => enumValue(t.kind) === 'refund' && (enumValue(t.status) ?? 'success') === 'success');
      const currency = normalizeCurrency(tx[0]?.currency ?? o.currency);
      if (!currency)
        return invalid('shopify', '/transactions/0/currency', 'an ISO-4217 currency is required');
      let amount = 0;
      for (const t of tx) {
        const a = toMinorUnits(t.amount, currency);
        if (a === null) return invalid('shopify', '/transactions/amount', 'amount must be a decimal amount');
        amount += a;
      }
      return {
        ok: true,
        events: [
          draft(env, {
            eventId,
            type: 'order_refunded',
            event: topic,
            originalTimestamp: isoTime(o.processed_at) ?? isoTime(o.created_at),
            properties: {
              orderId: str(o.order_id) ?? eventId,
              refundId: str(o.id) ?? eventId,
              amount,
              currency,
              status: 'succeeded',
              reason: str(o.note),
              provider: 'shopify',
            },
            identities: identities(['shopify_customer', o.customer_id ?? customer.id]),
          }),
        ],
      };
    }
    case 'customers/create':
    case 'customers/update':
      return {
        ok: true,
        events: [
          draft(env, {
            eventId,
            type: 'identify',
            event: topic,
            originalTimestamp: isoTime(o.updated_at) ?? isoTime(o.created_at),
            properties: {},
            traits: {
              ...(str(o.email) ? { email: str(o.email) } : {}),
              ...(str(o.phone) ? { phone: str(o.phone) } : {}),
              ...(str(o.first_name) ? { firstName: str(o.first_name) } : {}),
              ...(str(o.last_name) ? { lastName: str(o.last_name) } : {}),
              acceptsMarketing:
                o.accepts_marketing === true || obj(o.email_marketing_consent).state === 'subscribed',
            },
            identities: identities(['shopify_customer', o.id]),
            ...marketingConsent(o),
          }),
        ],
      };
    default:
      return unknownType('shopify', topic);
  }
};
