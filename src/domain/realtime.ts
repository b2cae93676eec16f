import { createHash } from 'node:crypto';
import { eventKey } from './event';
import type { CanonicalDraft } from './normalize/types';

/**
 * The real-time tier's aggregation: what arrived on the stream in one tumbling window (60 s of
 * arrival time, as Kinesis windows them). Paid orders, their revenue per currency in exact minor
 * units, distinct active customers and events; an event whose own time is older than the window
 * (by more than its length) is counted in the window it arrives in and flagged late.
 *
 * The state is carried between invocations by Lambda (returned, then passed back), so it must
 * stay small (Lambda's limit is 1 MB): customers are kept as 12-hex-digit hashes of their
 * identity (never the identity), at most MAX_CUSTOMERS of them; past that the count is flagged
 * a lower bound. An order whose id was already counted in the window (a sender's retry, a record
 * Lambda delivers twice) is not counted again: the window keeps its orders' ids as hashes too,
 * at most MAX_ORDER_IDS of them (past that, orders are counted without that check).
 */
export interface WindowState {
  events: number;
  late: number;
  orders: number;
  /** Currency → minor units of paid orders. */
  revenue: Record<string, number>;
  customers: string[];
  customersCapped: boolean;
  /** Hashes of the event keys of the orders counted (eventKey). */
  orderIds: string[];
  /** Orders not counted again: their id was already counted in the window. */
  repeatedOrders: number;
}

export const MAX_CUSTOMERS = 40_000;
export const MAX_ORDER_IDS = 10_000;

export const emptyWindow = (): WindowState => ({
  events: 0,
  late: 0,
  orders: 0,
  revenue: {},
  customers: [],
  customersCapped: false,
  orderIds: [],
  repeatedOrders: 0,
});

/** A state passed back by Lambda (or nothing, on a window's first invoke) → a WindowState. */
export function windowState(state: unknown): WindowState {
  const s = (state ?? {}) as Partial<WindowState>;
  return {
    events: Number(s.events ?? 0),
    late: Number(s.late ?? 0),
    orders: Number(s.orders ?? 0),
    revenue: { ...(s.revenue ?? {}) },
    customers: Array.isArray(s.customers) ? [...s.customers] : [],
    customersCapped: s.customersCapped === true,
    orderIds: Array.isArray(s.orderIds) ? [...s.orderIds] : [],
    repeatedOrders: Number(s.repeatedOrders ?? 0),
  };
}

const customerHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);

/** Who an event is, for "active customers": the user id, else the first identity key, else none. */
function whoOf(e: CanonicalDraft): string | null {
  if (e.userId) return `user_id:${e.userId}`;
  const id = e.identities[0];
  if (id) return `${id.type}:${id.value}`;
  return e.anonymousId ? `anonymous_id:${e.anonymousId}` : null;
}

/**
 * Adds one window's events to the state. `windowStartMs` is the window's start; an event whose
 * timestamp is before `windowStartMs - windowMs` is late.
 */
export function addEvents(
  state: WindowState,
  events: CanonicalDraft[],
  windowStartMs: number,
  windowMs = 60_000,
): WindowState {
  const seen = new Set(state.customers);
  const counted = new Set(state.orderIds);
  for (const e of events) {
    state.events++;
    const at = Date.parse(e.originalTimestamp ?? e.receivedAt ?? '');
    if (Number.isFinite(at) && at < windowStartMs - windowMs) state.late++;
    const who = whoOf(e);
    if (who) {
      const h = customerHash(who);
      if (!seen.has(h)) {
        if (seen.size < MAX_CUSTOMERS) {
          seen.add(h);
          state.customers.push(h);
        } else state.customersCapped = true;
      }
    }
    const p = e.properties as { amount?: unknown; currency?: unknown; status?: unknown };
    if (e.type === 'order_completed' && (p.status ?? 'paid') === 'paid') {
      const id = customerHash(eventKey(e));
      if (counted.has(id)) {
        state.repeatedOrders++;
        continue;
      }
      if (counted.size < MAX_ORDER_IDS) {
        counted.add(id);
        state.orderIds.push(id);
      }
      state.orders++;
      if (typeof p.amount === 'number' && typeof p.currency === 'string')
        state.revenue[p.currency] = (state.revenue[p.currency] ?? 0) + p.amount;
    }
  }
  return state;
}

/** The warehouse row of a closed window (realtime_minute). */
export interface RealtimeRow {
  window_start: string;
  shard_id: string;
  events: number;
  late_events: number;
  orders: number;
  /** Orders repeated in the window (a sender's retry, a record delivered twice), not counted again. */
  repeated_orders: number;
  active_customers: number;
  customers_capped: boolean;
  /** Currency → exact minor units, as JSON text. */
  revenue_minor: string;
  /** USD revenue (major units, 2 decimals) of the currencies a rate is known for. */
  revenue_usd: string;
}

export function windowRow(
  state: WindowState,
  windowStart: string,
  shardId: string,
  usdPerUnit: (currency: string) => { rate: number; exponent: number } | null,
): RealtimeRow {
  let cents = 0;
  for (const [currency, minor] of Object.entries(state.revenue)) {
    const r = usdPerUnit(currency);
    if (r) cents += Math.round((minor / 10 ** r.exponent) * r.rate * 100);
  }
  return {
    window_start: new Date(Date.parse(windowStart)).toISOString(),
    shard_id: shardId,
    events: state.events,
    late_events: state.late,
    orders: state.orders,
    repeated_orders: state.repeatedOrders,
    active_customers: state.customers.length,
    customers_capped: state.customersCapped,
    revenue_minor: JSON.stringify(
      Object.fromEntries(Object.entries(state.revenue).sort(([a], [b]) => (a < b ? -1 : 1))),
    ),
    revenue_usd: (cents / 100).toFixed(2),
  };
}
