import { normalizeCurrency } from '../../money';
import type { NormalizeOutcome, Normalizer } from '../types';
import { draft, identities, invalid, isoTime, num, obj, str, unknownType } from './common';

/**
 * Stripe events (https://docs.stripe.com/api/events/types) → canonical events. Amounts are
 * already in minor units. An order's id is its PaymentIntent when there is one, so the
 * checkout.session.completed and charge.succeeded of one purchase share an orderId (silver keeps one).
 */
export const normalizeStripe: Normalizer = (env): NormalizeOutcome => {
  const event = obj(env.payload);
  const type = str(event.type);
  const id = str(event.id);
  if (!id) return invalid('stripe', '/id', 'event id is required');
  const o = obj(obj(event.data).object);
  const created = isoTime(event.created) ?? isoTime(o.created);
  const customer = str(o.customer);
  const currency = normalizeCurrency(o.currency);
  const base = { eventId: id, event: type, originalTimestamp: created };

  switch (type) {
    case 'charge.succeeded':
    case 'checkout.session.completed':
    case 'invoice.paid': {
      const billing = obj(o.billing_details);
      const details = obj(o.customer_details);
      const email = str(billing.email) ?? str(o.receipt_email) ?? str(details.email) ?? str(o.customer_email);
      const amount =
        type === 'invoice.paid'
          ? num(o.amount_paid)
          : type === 'checkout.session.completed'
            ? num(o.amount_total)
            : num(o.amount);
      if (amount === null) return invalid('stripe', '/data/object/amount', 'amount is required');
      const lines = obj(o.lines).data;
      const items = Array.isArray(lines)
        ? lines.map((l) => {
            const line = obj(l);
            return {
              productId: str(obj(line.price).product) ?? str(line.id),
              name: str(line.description),
              price: num(obj(line.price).unit_amount) ?? num(line.amount) ?? 0,
              quantity: num(line.quantity) ?? 1,
            };
          })
        : [];
      return {
        ok: true,
        events: [
          draft(env, {
            ...base,
            type: 'order_completed',
            properties: {
              orderId: str(o.payment_intent) ?? str(o.id) ?? id,
              amount,
              currency,
              ...(num(o.amount_subtotal) !== null ? { subtotal: num(o.amount_subtotal) } : {}),
              ...(num(obj(o.total_details).amount_tax) !== null
                ? { tax: num(obj(o.total_details).amount_tax) }
                : {}),
              itemCount: items.reduce((s, i) => s + i.quantity, 0),
              items,
              provider: 'stripe',
              stripeObject: str(o.object),
              stripeObjectId: str(o.id),
            },
            traits: email ? { email } : {},
            identities: identities(['stripe_customer', customer]),
          }),
        ],
      };
    }
    case 'charge.refunded': {
      const refunds = obj(o.refunds).data;
      const latest = Array.isArray(refunds) ? obj(refunds[0]) : {};
      return {
        ok: true,
        events: [
          draft(env, {
            ...base,
            type: 'order_refunded',
            properties: {
              orderId: str(o.payment_intent) ?? str(o.id) ?? id,
              refundId: str(latest.id) ?? `${str(o.id)}:refund`,
              amount: num(o.amount_refunded) ?? num(latest.amount) ?? 0,
              currency,
              reason: str(latest.reason),
              provider: 'stripe',
            },
            identities: identities(['stripe_customer', customer]),
          }),
        ],
      };
    }
    case 'customer.created':
    case 'customer.updated':
      return {
        ok: true,
        events: [
          draft(env, {
            ...base,
            type: 'identify',
            properties: {},
            traits: {
              ...(str(o.email) ? { email: str(o.email) } : {}),
              ...(str(o.name) ? { name: str(o.name) } : {}),
              ...(str(o.phone) ? { phone: str(o.phone) } : {}),
              ...(str(obj(o.address).country) ? { country: str(obj(o.address).country) } : {}),
            },
            identities: identities(['stripe_customer', o.id]),
          }),
        ],
      };
    default:
      if (type?.startsWith('customer.subscription.')) {
        const itemData = obj(o.items).data;
        const plan = obj(obj(Array.isArray(itemData) ? itemData[0] : null).price);
        return {
          ok: true,
          events: [
            draft(env, {
              ...base,
              type: 'track',
              properties: {
                subscriptionId: str(o.id),
                status: str(o.status),
                cancelAtPeriodEnd: o.cancel_at_period_end === true,
                planId: str(plan.id),
                provider: 'stripe',
              },
              identities: identities(['stripe_customer', customer]),
            }),
          ],
        };
      }
      return unknownType('stripe', type);
  }
};
