import type { IdentityKey, RawEnvelope, SegmentType } from '../event';
import { withExplicitZone } from '../instant';
import { normalizeCurrency, toMinorUnits } from '../money';
import { own } from '../own';
import { isSegmentType } from '../segment';
import { trustOf } from '../trust';
import { enumValue, invalid, num, obj, str as trimmed } from './providers/common';
import type { CanonicalDraft, NormalizeOutcome } from './types';

/** Segment message (as the ingest edge wrote it) → canonical draft. */
function str(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/**
 * Segment e-commerce spec v2 (https://segment.com/docs/connections/spec/ecommerce/v2/): the
 * events that are money, sent with a server-side key (src/domain/trust.ts), become canonical orders. `Order Completed` → order_completed (amount =
 * `total`, else `revenue`, in the message's currency), `Order Cancelled` → the same order with
 * status cancelled, `Order Refunded` → order_refunded (the refunded `total`, else the listed
 * products). Cart events (`Checkout Started`, `Product Added` …) stay track events.
 */
const ECOMMERCE: Record<string, 'order' | 'cancel' | 'refund'> = {
  'order completed': 'order',
  'order cancelled': 'cancel',
  'order canceled': 'cancel',
  'order refunded': 'refund',
};

function ecommerce(
  base: CanonicalDraft,
  kind: 'order' | 'cancel' | 'refund',
  defaultCurrency: string | undefined,
): NormalizeOutcome {
  const p = base.properties;
  const orderId = trimmed(p.order_id) ?? trimmed(p.orderId);
  if (!orderId) return invalid('segment', '/properties/order_id', `${base.event} needs properties.order_id`);
  const currency = normalizeCurrency(p.currency, defaultCurrency);
  if (!currency) {
    return invalid(
      'segment',
      '/properties/currency',
      'an ISO-4217 currency is required (or configure the source with a default currency)',
    );
  }
  const products = (Array.isArray(p.products) ? p.products : []).map(obj);
  const items = products.map((l) => ({
    productId: trimmed(l.product_id) ?? trimmed(l.sku),
    sku: trimmed(l.sku),
    name: trimmed(l.name),
    price: toMinorUnits(l.price, currency) ?? 0,
    quantity: Math.max(0, Math.round(num(l.quantity) ?? 1)),
  }));
  const stated = p.total ?? p.revenue ?? p.value;
  let amount = stated === undefined || stated === null ? null : toMinorUnits(stated, currency);
  if (stated !== undefined && stated !== null && amount === null) {
    return invalid('segment', '/properties/total', 'total/revenue must be a decimal amount');
  }
  if (amount === null && items.length) amount = items.reduce((s, i) => s + i.price * i.quantity, 0);
  if (kind === 'refund') {
    if (amount === null) {
      return invalid('segment', '/properties/total', 'Order Refunded needs total, revenue or products');
    }
    return {
      ok: true,
      events: [
        {
          ...base,
          type: 'order_refunded',
          properties: {
            ...p,
            orderId,
            refundId: trimmed(p.refund_id) ?? base.eventId,
            amount,
            currency,
            status: 'succeeded',
            provider: 'segment',
          },
        },
      ],
    };
  }
  if (amount === null && kind === 'order') {
    return invalid('segment', '/properties/total', 'Order Completed needs total, revenue or products');
  }
  const money = (v: unknown) =>
    v === undefined || v === null ? undefined : (toMinorUnits(v, currency) ?? undefined);
  return {
    ok: true,
    events: [
      {
        ...base,
        type: 'order_completed',
        properties: {
          ...p,
          orderId,
          ...(amount !== null ? { amount } : {}),
          currency,
          status: kind === 'cancel' ? 'cancelled' : 'paid',
          subtotal: money(p.subtotal),
          tax: money(p.tax),
          discount: money(p.discount),
          shipping: money(p.shipping),
          itemCount: items.reduce((s, i) => s + i.quantity, 0),
          items,
          coupon: trimmed(p.coupon),
          affiliation: enumValue(p.affiliation),
          provider: 'segment',
        },
      },
    ],
  };
}

export function normalizeSegment(envelope: RawEnvelope): NormalizeOutcome {
  const msg = obj(envelope.payload);
  const type = msg.type;
  if (!isSegmentType(type)) {
    return {
      ok: false,
      reason: 'unknown_type',
      detail: `unknown Segment message type ${JSON.stringify(type)}`,
    };
  }
  const eventId = str(msg.messageId) ?? envelope.eventId;
  if (!eventId)
    return {
      ok: false,
      reason: 'schema_violation',
      detail: 'message has no messageId',
      errors: [{ path: '/messageId', rule: 'required', message: 'messageId is required' }],
    };
  const context = obj(msg.context);
  const userId = str(msg.userId);
  const anonymousId = str(msg.anonymousId);
  const properties = { ...obj(msg.properties) };
  if (type === 'group' && msg.groupId !== undefined) properties.groupId = msg.groupId;
  if (type === 'alias' && msg.previousId !== undefined) properties.previousId = msg.previousId;
  const traits = { ...obj(context.traits), ...obj(msg.traits) };

  const identities: IdentityKey[] = [];
  if (userId) identities.push({ type: 'user_id', value: userId });
  if (anonymousId) identities.push({ type: 'anonymous_id', value: anonymousId });
  const device = obj(context.device);
  const deviceId = str(device.id);
  if (deviceId) identities.push({ type: 'device_id', value: deviceId });
  const adId = str(device.advertisingId);
  if (adId && device.adTrackingEnabled !== false) identities.push({ type: 'advertising_id', value: adId });
  if (type === 'alias') {
    const prev = str(msg.previousId);
    // previousId is the id the person had before (an anonymousId, or an older userId): it is
    // keyed both ways so it joins whichever kind of key the earlier events carried.
    if (prev && prev !== userId) {
      identities.push({ type: 'anonymous_id', value: prev }, { type: 'user_id', value: prev });
    }
  }

  const event =
    type === 'track'
      ? str(msg.event)
      : type === 'page' || type === 'screen'
        ? (str(msg.name) ?? str(properties.name))
        : null;
  const base: CanonicalDraft = {
    eventId,
    type: type as SegmentType,
    event,
    source: envelope.source,
    kind: envelope.kind,
    userId,
    anonymousId,
    // A time sent without a zone is UTC: written with its "Z" so every stage reads it so.
    originalTimestamp: withExplicitZone(str(msg.originalTimestamp) ?? str(msg.timestamp)),
    sentAt: withExplicitZone(str(msg.sentAt)),
    receivedAt: envelope.receivedAt,
    context,
    properties,
    traits,
    identities,
    requestId: envelope.requestId,
  };
  const commerce = type === 'track' && event ? own(ECOMMERCE, event.trim().toLowerCase()) : undefined;
  // Money and order status only from a server-side key: a browser's "Order Completed" is what the
  // page says happened, forgeable with the public key, so it stays a behavioural track event.
  if (commerce && trustOf(envelope) === 'server') return ecommerce(base, commerce, envelope.defaultCurrency);
  return { ok: true, events: [base] };
}
