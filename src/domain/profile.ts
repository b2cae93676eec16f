import { createHash } from 'node:crypto';
import { emptyFound, type Pseudonymizer } from './enrich/pii';
import type { CanonicalEvent, JsonObject } from './event';
import { CORE_IDENTITY_TYPES, ROLE_PRECEDENCE } from './identity-types';
import { IDENTITY_TYPES } from './identity-types.generated';

/**
 * The profile store's model: what the profile API answers "who is this?" with.
 *
 * A customer's profile has two halves written by two paths that never overwrite each other:
 * - **live**, kept current by the stream (a second consumer of the event stream, like the
 *   real-time tier): identities seen, the latest traits (pseudonymized exactly as in the lake),
 *   first and last seen, and the most recent events;
 * - **computed**, written by the daily pipeline after the warehouse load: segment, scores, CLV,
 *   recommendations, audience memberships and the model version.
 * Identity keys (`type:value`, values as stored in the lake: user ids as sent unless they hold
 * an email, emails and phones as their keyed hashes) map to a customer id. The daily pipeline's
 * identity resolution (silver.identity_map) is the authority; the stream only links keys nobody
 * holds yet and never merges two customers.
 */
export interface RecentEvent {
  eventId: string;
  type: string;
  event: string | null;
  source: string;
  at: string;
}

export interface LiveProfile {
  customerId: string;
  identities: string[];
  traits: JsonObject;
  firstSeen: string;
  lastSeen: string;
  recentEvents: RecentEvent[];
  updatedAt: string;
}

export interface ComputedProfile {
  customerId: string;
  identities: string[];
  segment: string | null;
  lifecycleStage: string | null;
  country: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  orders: number;
  /** Exact decimal text (USD, 2 places). */
  netUsd: string | null;
  churnProbability: number | null;
  pAlive: number | null;
  /** Exact decimal text (USD, 2 places). */
  clv12mUsd: string | null;
  expectedPurchases90d: number | null;
  modelVersion: string | null;
  scoredAt: string | null;
  recommendations: string[];
  audiences: string[];
  computedAt: string;
}

export interface Profile {
  customerId: string;
  live: LiveProfile | null;
  computed: ComputedProfile | null;
}

/** How many recent events a profile keeps (a live half stays near 1 KB: one DynamoDB write unit). */
export const RECENT_EVENTS = 10;

export const nodeOf = (k: { type: string; value: string }) => `${k.type}:${k.value}`;

/**
 * A customer id for keys no customer holds yet: the id the daily identity resolution gives a new
 * component (sql/silver/identity_map.sql: `c_` and the first 16 hex of md5 of its smallest key),
 * so a profile the stream starts keeps its id when the pipeline first sees the person.
 */
export function newCustomerId(nodes: readonly string[]): string {
  let min = nodes[0] as string;
  for (const n of nodes) if (n < min) min = n;
  return `c_${createHash('md5').update(min).digest('hex').slice(0, 16)}`;
}

const precedence = (node: string): number => {
  const rule = CORE_IDENTITY_TYPES[node.slice(0, node.indexOf(':'))];
  return rule ? ROLE_PRECEDENCE[rule.role] : ROLE_PRECEDENCE.account;
};

/** Key types a client-side event may not move once somebody holds them (docs/security.md). */
const CLAIMS = new Set(['email_hash', 'phone_hash']);

export interface EventResolution {
  /** The customer the event belongs to (null: it carries no identity key). */
  customerId: string | null;
  /** Keys the event links to that customer (held by nobody before). */
  links: string[];
  /** Client-side claims on keys another customer holds: not linked, not used to resolve. */
  refused: string[];
}

/**
 * Whose an event is, under the data contract's trust rules. Known keys (`held`: key → customer)
 * decide, the strongest role first (account, then contact, then weak); keys nobody holds are
 * linked to that customer; with no known key the event starts a customer of its own. A
 * client-side event (a public write key, which anyone can copy from a page) cannot claim an
 * email or phone somebody already holds: that key is refused, so a forged `identify` with
 * another person's email leaves the forger on their own profile and pulls nobody's into it.
 * The stream never merges two customers: a key held by another customer stays theirs.
 */
export function resolveEvent(e: CanonicalEvent, held: ReadonlyMap<string, string>): EventResolution {
  const nodes = [...new Set(e.identities.map(nodeOf))];
  const client = e.flags.trust === 'client';
  const refused = client ? nodes.filter((n) => CLAIMS.has(n.slice(0, n.indexOf(':'))) && held.has(n)) : [];
  const usable = nodes.filter((n) => !refused.includes(n));
  if (usable.length === 0) return { customerId: null, links: [], refused };
  const known = usable.filter((n) => held.has(n)).sort((a, b) => precedence(a) - precedence(b));
  const customerId = known.length ? (held.get(known[0] as string) as string) : newCustomerId(usable);
  return { customerId, links: usable.filter((n) => !held.has(n)), refused };
}

/** Folds one event into a customer's live profile (a new one when `current` is null). */
export function applyEvent(
  current: LiveProfile | null,
  customerId: string,
  e: CanonicalEvent,
  links: readonly string[],
  now: string,
): LiveProfile {
  const p: LiveProfile = current
    ? { ...current, identities: [...current.identities], recentEvents: [...current.recentEvents] }
    : {
        customerId,
        identities: [],
        traits: {},
        firstSeen: e.timestamp,
        lastSeen: e.timestamp,
        recentEvents: [],
        updatedAt: now,
      };
  for (const n of links) if (!p.identities.includes(n)) p.identities.push(n);
  // Traits: the latest statement of each wins (an older event arriving late does not undo a newer one).
  if (Object.keys(e.traits).length && e.timestamp >= p.lastSeen) p.traits = { ...p.traits, ...e.traits };
  else if (Object.keys(e.traits).length) p.traits = { ...e.traits, ...p.traits };
  if (e.timestamp < p.firstSeen) p.firstSeen = e.timestamp;
  if (e.timestamp > p.lastSeen) p.lastSeen = e.timestamp;
  if (!p.recentEvents.some((r) => r.eventId === e.eventId)) {
    p.recentEvents.push({
      eventId: e.eventId,
      type: e.type,
      event: e.event,
      source: e.source,
      at: e.timestamp,
    });
    p.recentEvents.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    p.recentEvents.length = Math.min(p.recentEvents.length, RECENT_EVENTS);
  }
  p.updatedAt = now;
  return p;
}

/** A profile lookup's identifier, as the API takes it (`user_id:…`, `email:…`, `customer_id:…`). */
export type LookupKey = { kind: 'customer'; customerId: string } | { kind: 'identity'; node: string };

export class LookupError extends Error {}

/** The identifier types the API accepts: the identity key types, clear emails and phones, customer ids. */
export const LOOKUP_TYPES = ['customer_id', 'email', 'phone', ...IDENTITY_TYPES] as const;

/**
 * Parses `type:value` into a store key. Emails and phones are hashed on the way in exactly as
 * enrich hashes them (`hashEmail`, `hashPhone`: the keyed HMACs), and user or anonymous ids are
 * pseudonymized as enrich stores them (`scrubId`: an email-shaped id becomes its token), so the
 * clear value never reaches the store or a log.
 */
export function parseLookup(
  raw: string,
  p: { hashEmail(v: string): string; hashPhone(v: string): string; scrubId(v: string): string },
): LookupKey {
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1)
    throw new LookupError(
      `expected TYPE:VALUE (TYPE one of ${LOOKUP_TYPES.join(', ')}), e.g. user_id:u123 or email:ada@example.com`,
    );
  const type = raw.slice(0, colon);
  const value = raw.slice(colon + 1);
  if (!(LOOKUP_TYPES as readonly string[]).includes(type))
    throw new LookupError(`unknown identifier type "${type}": use one of ${LOOKUP_TYPES.join(', ')}`);
  if (type === 'customer_id') return { kind: 'customer', customerId: value };
  if (type === 'email') {
    if (!value.includes('@')) throw new LookupError('email: the value is not an email address');
    return { kind: 'identity', node: `email_hash:${p.hashEmail(value)}` };
  }
  if (type === 'phone') return { kind: 'identity', node: `phone_hash:${p.hashPhone(value)}` };
  if (type === 'user_id' || type === 'anonymous_id')
    return { kind: 'identity', node: `${type}:${p.scrubId(value)}` };
  return { kind: 'identity', node: `${type}:${value}` };
}

/** The hashing `parseLookup` needs, as enrich does it with the deployment's key. */
export function lookupHashing(p: Pseudonymizer): Parameters<typeof parseLookup>[1] {
  return {
    hashEmail: (v) => p.email(v).hash,
    hashPhone: (v) => p.phone(v).hash,
    scrubId: (v) => p.scrub(v, emptyFound()) as string,
  };
}

/** The API's answer: both halves, identities, no clear PII (the store holds none). */
export function profileAnswer(profile: Profile) {
  const { live, computed } = profile;
  const identities = [...new Set([...(computed?.identities ?? []), ...(live?.identities ?? [])])].sort();
  const maxIso = (a: string | null | undefined, b: string | null | undefined) =>
    (a ?? '') > (b ?? '') ? (a ?? null) : (b ?? null);
  return {
    customer_id: profile.customerId,
    identities,
    traits: live?.traits ?? {},
    first_seen: [computed?.firstSeen, live?.firstSeen].filter(Boolean).sort()[0] ?? null,
    last_seen: maxIso(computed?.lastSeen, live?.lastSeen),
    recent_events: live?.recentEvents ?? [],
    computed: computed
      ? {
          segment: computed.segment,
          lifecycle_stage: computed.lifecycleStage,
          country: computed.country,
          orders: computed.orders,
          net_usd: computed.netUsd,
          churn_probability: computed.churnProbability,
          p_alive: computed.pAlive,
          clv_12m_usd: computed.clv12mUsd,
          expected_purchases_90d: computed.expectedPurchases90d,
          recommendations: computed.recommendations,
          model_version: computed.modelVersion,
          scored_at: computed.scoredAt,
          computed_at: computed.computedAt,
        }
      : null,
    audiences: computed?.audiences ?? [],
  };
}

/** A row of sql/profiles/computed.sql (both engines) → the computed half. */
export interface ComputedRow {
  customer_id: string;
  identities: string;
  segment: string | null;
  lifecycle_stage: string | null;
  country: string | null;
  first_seen_at: string | null;
  last_seen_at: string | null;
  orders: number | string | null;
  net_usd: string | null;
  churn_probability: number | null;
  p_alive: number | null;
  clv_12m_usd: string | null;
  expected_purchases_90d: number | null;
  model_version: string | null;
  scored_at: string | null;
  recommendations: string;
  audiences: string;
}

const list = (s: string | null | undefined) => (s ? s.split(',') : []);
/** `2026-12-01 10:00:00[.123]` (either engine's timestamp text, UTC) → ISO-8601 with Z. */
const isoOf = (s: string | null | undefined) =>
  s
    ? (s.includes('T') ? s : `${s.replace(' ', 'T')}${s.length > 10 ? '' : 'T00:00:00'}`).replace(
        /(?<!Z)$/,
        'Z',
      )
    : null;

export function computedFromRow(r: ComputedRow, computedAt: string): ComputedProfile {
  return {
    customerId: r.customer_id,
    identities: list(r.identities),
    segment: r.segment ?? null,
    lifecycleStage: r.lifecycle_stage ?? null,
    country: r.country ?? null,
    firstSeen: isoOf(r.first_seen_at),
    lastSeen: isoOf(r.last_seen_at),
    orders: Number(r.orders ?? 0),
    netUsd: r.net_usd ?? null,
    churnProbability: r.churn_probability ?? null,
    pAlive: r.p_alive ?? null,
    clv12mUsd: r.clv_12m_usd ?? null,
    expectedPurchases90d: r.expected_purchases_90d ?? null,
    modelVersion: r.model_version ?? null,
    scoredAt: r.scored_at ?? null,
    recommendations: list(r.recommendations).map((x) => x.slice(x.indexOf('|') + 1)),
    audiences: list(r.audiences),
    computedAt,
  };
}

/**
 * Two live halves of one person: what the stream kept under a provisional customer id, folded into
 * the customer the daily identity resolution merged it into. Keys joined, the recent events of both
 * (once each, newest first, capped), first and last seen widened, and traits by recency: the half
 * seen last wins a trait both hold.
 */
export function mergeLive(into: LiveProfile, from: LiveProfile, now: string): LiveProfile {
  const [older, newer] = from.lastSeen > into.lastSeen ? [into, from] : [from, into];
  const events = new Map<string, RecentEvent>();
  for (const e of [...into.recentEvents, ...from.recentEvents])
    if (!events.has(e.eventId)) events.set(e.eventId, e);
  return {
    customerId: into.customerId,
    identities: [...new Set([...into.identities, ...from.identities])],
    traits: { ...older.traits, ...newer.traits },
    firstSeen: into.firstSeen < from.firstSeen ? into.firstSeen : from.firstSeen,
    lastSeen: newer.lastSeen,
    recentEvents: [...events.values()]
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
      .slice(0, RECENT_EVENTS),
    updatedAt: now,
  };
}
