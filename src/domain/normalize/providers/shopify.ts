import { normalizeCurrency, toMinorUnits } from '../../money';
import type { NormalizeOutcome, Normalizer } from '../types';
import { draft, identities, invalid, isoTime, num, obj, str, unknownType } from './common';

/** Shopify webhooks (topic in X-Shopify-Topic) → canonical events; prices are decimal strings. */
export const normalizeShopify: Normalizer = (env): NormalizeOutcome => {
  const topic = env.headers?.['x-shopify-topic'] ?? null;
  const o = obj(env.payload);
  const eventId = env.eventId ?? (str(o.id) ? `${topic}:${str(o.id)}` : null);
  if (!eventId) return invalid('shopify', '/id', 'id (or X-Shopify-Event-Id) is required');
  const customer = obj(o.customer);
  switch (topic) {
    case 'orders/create':
    case 'orders/paid': {
      const currency = normalizeCurrency(o.currency ?? o.presentment_currency);
      const amount = toMinorUnits(o.total_price, currency);
      if (amount === null) return invalid('shopify', '/total_price', 'total_price is required');
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
      return {
        ok: true,
        events: [
          draft(env, {
            eventId,
            type: 'order_completed',
            event: topic,
            originalTimestamp: isoTime(o.processed_at) ?? isoTime(o.created_at),
            properties: {
              orderId: str(o.id) ?? eventId,
              orderNumber: str(o.order_number) ?? str(o.name),
              amount,
              currency,
              subtotal: toMinorUnits(o.subtotal_price, currency) ?? undefined,
              tax: toMinorUnits(o.total_tax, currency) ?? undefined,
              discount: toMinorUnits(o.total_discounts, currency) ?? undefined,
              itemCount: items.reduce((s, i) => s + i.quantity, 0),
              items,
              financialStatus: str(o.financial_status),
              provider: 'shopify',
              shop: env.headers?.['x-shopify-shop-domain'] ?? null,
            },
            traits: email ? { email } : {},
            identities: identities(['shopify_customer', customer.id]),
          }),
        ],
      };
    }
    case 'refunds/create': {
      const tx = (Array.isArray(o.transactions) ? o.transactions : [])
        .map(obj)
        .filter((t) => str(t.kind) === 'refund');
      const currency = normalizeCurrency(tx[0]?.currency);
      const amount = tx.reduce((s, t) => s + (toMinorUnits(t.amount, currency) ?? 0), 0);
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
          }),
        ],
      };
    default:
      return unknownType('shopify', topic);
  }
};
