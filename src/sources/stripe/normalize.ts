import { normalizeCurrency } from '../../domain/money';
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
import type { CanonicalDraft, NormalizeOutcome, Normalizer } from '../../domain/normalize/types';

/**
 * Stripe events (https://docs.stripe.com/api/events/types) → canonical events. Amounts are
 * already in minor units.
 *
 * One payment is one order, whichever events report it: checkout.session.completed,
 * invoice.paid, charge.succeeded and payment_intent.succeeded all resolve to the PaymentIntent
 * id, looked up through expanded objects (`payment_intent`, `charge`, `latest_charge`, an
 * invoice's `payments`); only a payment with no PaymentIntent anywhere falls back to the
 * invoice (or the object's own) id. Each event reports the order's state (`status`): a failed
 * or uncaptured charge, a cancelled intent or an unpaid session is an order that is not revenue.
 *
 * Refunds count once each, by refund id, with the refund's own amount: charge.refunded lists
 * the charge's refunds (its `amount_refunded` is cumulative and is not summed), refund.* and
 * charge.refund.updated carry one refund.
 */

/** An id field that may be a plain id or an expanded object with an id. */
function ref(v: unknown): string | null {
  return str(v) ?? str(obj(v).id);
}

function paymentIntentOf(o: Record<string, unknown>): string | null {
  if (str(o.object) === 'payment_intent') return str(o.id);
  const direct = ref(o.payment_intent);
  if (direct) return direct;
  for (const expanded of [o.charge, o.latest_charge]) {
    const pi = ref(obj(expanded).payment_intent);
    if (pi) return pi;
  }
  const payments = obj(o.payments).data;
  if (Array.isArray(payments)) {
    for (const p of payments) {
      const pi = ref(obj(obj(p).payment).payment_intent);
      if (pi) return pi;
    }
  }
  return null;
}

/** The order a Stripe object belongs to: its PaymentIntent, else its invoice, else itself. */
export function stripeOrderId(o: Record<string, unknown>): string | null {
  return (
    paymentIntentOf(o) ?? (str(o.object) === 'invoice' ? str(o.id) : ref(o.invoice)) ?? str(o.id) ?? null
  );
}

type OrderStatus = 'paid' | 'pending' | 'authorized' | 'failed' | 'cancelled' | 'voided';

/** The order state an event reports, or null when the event is not about an order's payment. */
function orderState(
  type: string,
  o: Record<string, unknown>,
): { status: OrderStatus; amount: unknown } | null {
  switch (type) {
    case 'charge.succeeded':
    case 'charge.captured':
      return {
        status: o.captured === false ? 'authorized' : 'paid',
        amount: o.captured === false ? o.amount : (o.amount_captured ?? o.amount),
      };
    case 'charge.failed':
      return { status: 'failed', amount: o.amount };
    case 'charge.expired':
      return { status: 'voided', amount: o.amount };
    case 'payment_intent.succeeded':
      return { status: 'paid', amount: o.amount_received ?? o.amount };
    case 'payment_intent.payment_failed':
      return { status: 'failed', amount: o.amount };
    case 'payment_intent.canceled':
      return { status: 'cancelled', amount: o.amount };
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const ps = enumValue(o.payment_status);
      return { status: ps === 'unpaid' ? 'pending' : 'paid', amount: o.amount_total };
    }
    case 'checkout.session.async_payment_failed':
      return { status: 'failed', amount: o.amount_total };
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
      return { status: 'paid', amount: o.amount_paid };
    case 'invoice.voided':
      return { status: 'voided', amount: o.total ?? o.amount_due };
    default:
      return null;
  }
}

function refundDraft(
  env: Parameters<Normalizer>[0],
  eventId: string,
  type: string,
  created: string | null,
  refund: Record<string, unknown>,
  orderId: string,
  customer: unknown,
): CanonicalDraft | { error: string } {
  const currency = normalizeCurrency(refund.currency);
  if (!currency) return { error: `refund ${str(refund.id)} has no ISO-4217 currency` };
  const amount = num(refund.amount);
  if (amount === null) return { error: `refund ${str(refund.id)} has no amount` };
  return draft(env, {
    eventId,
    type: 'order_refunded',
    event: type,
    originalTimestamp: isoTime(refund.created) ?? created,
    properties: {
      orderId,
      refundId: str(refund.id) ?? `${orderId}:refund`,
      amount,
      currency,
      status: enumValue(refund.status) ?? 'succeeded',
      reason: str(refund.reason),
      provider: 'stripe',
      // When Stripe reported this state (the event's time): a refund's later states (updated,
      // failed) replace earlier ones in that order, whatever order they arrive in.
      ...(created ? { stateAt: created } : {}),
    },
    identities: identities(['stripe_customer', ref(customer)]),
  });
}

/** A paid (or voided, refunded …) payment object → order_completed with its lines, tax and status. */
function orderCompleted(
  env: Parameters<Normalizer>[0],
  base: { eventId: string; event: string | null; originalTimestamp: string | null },
  o: Record<string, unknown>,
  state: NonNullable<ReturnType<typeof orderState>>,
  customer: string | null,
): NormalizeOutcome {
  const currency = normalizeCurrency(o.currency);
  if (!currency) return invalid('stripe', '/data/object/currency', 'an ISO-4217 currency is required');
  const amount = num(state.amount);
  if (amount === null) return invalid('stripe', '/data/object/amount', 'amount is required');
  const orderId = stripeOrderId(o);
  if (!orderId) return invalid('stripe', '/data/object/id', 'the payment has no id');
  const billing = obj(o.billing_details);
  const details = obj(o.customer_details);
  const email = str(billing.email) ?? str(o.receipt_email) ?? str(details.email) ?? str(o.customer_email);
  const lines = obj(o.lines).data;
  const items = Array.isArray(lines)
    ? lines.map((l) => {
        const line = obj(l);
        // The product by API version: price.product (2018-02-05 on), pricing.price_details.product
        // (2025-03-31 on), plan.product (before prices existed); the line id only when none says.
        const priceDetails = obj(obj(line.pricing).price_details);
        const plan = obj(line.plan);
        return {
          productId:
            ref(obj(line.price).product) ??
            ref(priceDetails.product) ??
            ref(plan.product) ??
            str(plan.id) ??
            str(line.id),
          name: str(line.description),
          price: num(obj(line.price).unit_amount) ?? num(plan.amount) ?? num(line.amount) ?? 0,
          quantity: num(line.quantity) ?? 1,
        };
      })
    : [];
  const tax = num(obj(o.total_details).amount_tax) ?? num(o.tax);
  return {
    ok: true,
    events: [
      draft(env, {
        ...base,
        type: 'order_completed',
        properties: {
          orderId,
          amount,
          currency,
          status: state.status,
          ...(num(o.amount_subtotal) !== null ? { subtotal: num(o.amount_subtotal) } : {}),
          ...(tax !== null ? { tax } : {}),
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

export const normalizeStripe: Normalizer = (env): NormalizeOutcome => {
  const event = obj(env.payload);
  const type = str(event.type);
  const id = str(event.id);
  if (!id) return invalid('stripe', '/id', 'event id is required');
  const o = obj(obj(event.data).object);
  const created = isoTime(event.created) ?? isoTime(o.created);
  const customer = ref(o.customer);
  const base = { eventId: id, event: type, originalTimestamp: created };

  const state = type ? orderState(type, o) : null;
  if (state) return orderCompleted(env, base, o, state, customer);

  switch (type) {
    case 'charge.refunded': {
      const orderId = stripeOrderId(o) ?? id;
      const list = obj(o.refunds).data;
      const refunds = (Array.isArray(list) ? list : []).map(obj);
      const events: CanonicalDraft[] = [];
      for (const r of refunds) {
        // API versions before 2022-11-15 embed the charge's refunds (the first page of them):
        // one event per refund; the refund id is its dedupe key, so the same refund seen again
        // in a later charge.refunded (the list is cumulative) is stored once.
        const d = refundDraft(
          env,
          `refund:${str(r.id)}`,
          type,
          created,
          { currency: o.currency, ...r },
          orderId,
          customer,
        );
        if ('error' in d) return invalid('stripe', '/data/object/refunds/data', d.error);
        events.push(d);
      }
      // Every version carries amount_refunded, the charge's cumulative refunded total; from
      // 2022-11-15 on it is all there is. Kept as the charge's refund total at this event's time
      // (refund id cumulative:<charge>): gold nets the latest total against the refunds it
      // knows one by one (sql/gold/fact_orders.sql), so neither a redelivery, an older total
      // arriving late nor a refund also sent as refund.created is counted twice.
      const total = num(o.amount_refunded);
      if (total !== null && total > 0) {
        const d = refundDraft(
          env,
          id,
          type,
          created,
          {
            id: `cumulative:${str(o.id) ?? orderId}`,
            amount: total,
            currency: o.currency,
            status: 'succeeded',
            created: event.created,
          },
          orderId,
          customer,
        );
        if ('error' in d) return invalid('stripe', '/data/object/amount_refunded', d.error);
        d.properties.stripeApiVersion = str(event.api_version);
        events.push(d);
      }
      if (events.length === 0) {
        return invalid(
          'stripe',
          '/data/object/amount_refunded',
          'charge.refunded carries neither refunds nor an amount_refunded above 0',
        );
      }
      return { ok: true, events };
    }
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed':
    case 'charge.refund.updated': {
      const orderId = stripeOrderId({ ...o, object: 'refund', id: null }) ?? ref(o.charge) ?? id;
      // The refund's current state replaces what an earlier event of the same refund said.
      const d = refundDraft(env, id, type, created, o, orderId, customer);
      if ('error' in d) return invalid('stripe', '/data/object', d.error);
      return { ok: true, events: [d] };
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
                status: enumValue(o.status),
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
