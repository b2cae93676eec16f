import { consentPurposes } from '../consent';
import type { CanonicalEvent, IdentityKey, JsonObject, RawEnvelope } from '../event';
import { isJunkIdentityValue } from '../identity';
import type { CanonicalDraft } from '../normalize/types';
import type { VaultValue } from '../privacy/vault';
import { trustOf } from '../trust';
import { extractCampaign } from './campaign';
import type { GeoLookup } from './geo';
import { anonymizeIp } from './ip';
import { emptyFound, type Pseudonymizer } from './pii';
import { deriveEventTime } from './time';
import type { UserAgentCache } from './useragent';

/**
 * Draft → canonical event: event time, user agent, geo (then the IP is anonymized), campaign,
 * PII pseudonymization and identity keys. Pure given its collaborators (caches, key).
 */
export interface EnrichContext {
  ua: UserAgentCache;
  geo: GeoLookup;
  pseudonymizer: Pseudonymizer;
  lateWindowMs: number;
}

/** Traits that hold the person's own phone number (identity-bearing). */
const IDENTITY_PHONE_TRAIT = /^(?:phone|mobile|mobilePhone|phoneNumber|phone_number)$/i;

function obj(v: unknown): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
}

export function enrichDraft(
  draft: CanonicalDraft,
  envelope: RawEnvelope,
  ctx: EnrichContext,
  /** Receives the clear values the scrub replaced (for the PII vault). */
  clearOut?: VaultValue[],
): CanonicalEvent {
  const time = deriveEventTime(draft, ctx.lateWindowMs);
  // The clear-text IP leaves the context here (rest copy, not `delete`, keeps the object fast).
  const { ip: contextIp, ...context } = draft.context;

  const uaString = typeof context.userAgent === 'string' ? context.userAgent : envelope.userAgent;
  const ua = uaString ? ctx.ua.lookup(uaString) : null;

  // The client IP: what the SDK reported in context.ip, else what the edge saw.
  const rawIp = typeof contextIp === 'string' ? contextIp : envelope.ip;
  const geo = rawIp ? ctx.geo.lookup(rawIp.replace(/^::ffff:/, '')) : null;
  const ip = anonymizeIp(rawIp);

  const campaign = extractCampaign(context);

  const found = emptyFound();
  const p = ctx.pseudonymizer;
  const scrubbedContext = p.scrub(context, found) as JsonObject;
  // A consent statement (any source: Segment's consent object, a provider's or a file's opt-in,
  // put in the same place by its normalizer) is stored with the purposes it grants or refuses.
  const consent = context.consent;
  if (consent !== undefined) {
    const purposes = consentPurposes(obj(consent).categoryPreferences);
    if (purposes) scrubbedContext.consent = { ...obj(scrubbedContext.consent), purposes };
  }
  const properties = p.scrub(draft.properties, found) as JsonObject;
  // A group call's traits describe the account (its `name` is a company's), not a person.
  const traits = p.scrub(draft.traits, found, 'traits', 0, draft.type !== 'group') as JsonObject;
  // Ids can carry emails too (userId = "ada@example.com" is common).
  const userId = draft.userId === null ? null : (p.scrub(draft.userId, found) as string);
  const anonymousId = draft.anonymousId === null ? null : (p.scrub(draft.anonymousId, found) as string);
  const event = draft.event === null ? null : (p.scrub(draft.event, found) as string);
  if (campaign?.clickId) campaign.clickId = p.scrub(campaign.clickId, found) as string;

  // Identity keys come only from identity-bearing fields: ids, the provider's customer ids, and
  // the person's own email / phone traits. An email inside free text or properties is
  // pseudonymized but never links customers (it may be anybody's).
  const identities: IdentityKey[] = [];
  // An event carries a handful of keys: a scan dedupes them without building key strings.
  const add = (k: IdentityKey, clear: string = k.value) => {
    if (isJunkIdentityValue(k.type, clear)) return;
    if (!identities.some((x) => x.type === k.type && x.value === k.value)) identities.push(k);
  };
  for (const k of draft.identities) {
    add(
      k.type === 'user_id' || k.type === 'anonymous_id'
        ? { ...k, value: p.scrub(k.value, found) as string }
        : k,
      k.value,
    );
  }
  if (userId && draft.userId) add({ type: 'user_id', value: userId }, draft.userId);
  if (anonymousId && draft.anonymousId) add({ type: 'anonymous_id', value: anonymousId }, draft.anonymousId);
  for (const [key, value] of Object.entries(draft.traits)) {
    if (typeof value !== 'string') continue;
    if (key === 'email' && value.includes('@')) {
      if (!isJunkIdentityValue('email', value))
        add({ type: 'email_hash', value: ctx.pseudonymizer.email(value).hash });
    } else if (IDENTITY_PHONE_TRAIT.test(key) && !isJunkIdentityValue('phone', value)) {
      add({ type: 'phone_hash', value: ctx.pseudonymizer.phone(value).hash });
    }
  }

  if (clearOut && found.clear.length) clearOut.push(...found.clear);
  return {
    schemaVersion: 1,
    eventId: draft.eventId,
    type: draft.type,
    event,
    source: draft.source,
    kind: draft.kind,
    userId,
    anonymousId,
    originalTimestamp: draft.originalTimestamp,
    sentAt: draft.sentAt,
    receivedAt: draft.receivedAt,
    timestamp: time.timestamp,
    context: scrubbedContext,
    properties,
    traits: obj(traits),
    identities,
    enrichment: { ua, geo, campaign, ip },
    flags: {
      futureClamped: time.futureClamped,
      late: time.late,
      bot: ua?.isBot ?? false,
      trust: trustOf(envelope),
    },
    requestId: draft.requestId,
  };
}
