/**
 * The data contract shared by every stage of c360.
 *
 * RawEnvelope: what the edge (ingest / webhooks / postbacks / batch files) writes to the
 * event stream, one record per event, before any normalization.
 * CanonicalEvent: what the enrich stage writes to the lake's bronze layer, one JSON object
 * per event, after normalization, validation, enrichment and pseudonymization.
 * See docs/data-contract.md for field-by-field semantics per event type.
 */

export const EVENT_TYPES = [
  'track',
  'identify',
  'page',
  'screen',
  'group',
  'alias',
  'order_completed',
  'order_refunded',
  'support_ticket',
  'social_mention',
  'crm_contact',
  'ad_attribution',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const SEGMENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

/** How an event reached c360. */
export type EnvelopeKind = 'segment' | 'webhook' | 'postback' | 'batch_file';

export type JsonObject = { [key: string]: unknown };

/** One record on the event stream (Kinesis data, JSON encoded). */
export interface RawEnvelope {
  /** Envelope format version. */
  v: 1;
  kind: EnvelopeKind;
  /** Logical source: the write key's source name (e.g. "web", "ios"), or the provider/network name. */
  source: string;
  /** For webhooks/postbacks/batch files: stripe | shopify | zendesk | hubspot | appsflyer | adjust | generic | orders | crm | tickets. */
  provider?: string;
  /** ISO-8601 time the edge received the request (server clock). */
  receivedAt: string;
  /** API Gateway / local request id, for tracing an event back to its request. */
  requestId: string;
  /** Client IP as seen by the edge (clear text: the enrich stage anonymizes it before storage). */
  ip?: string;
  userAgent?: string;
  /**
   * The event itself: one Segment message, one postback's fields, one file row. Webhooks carry
   * `body` instead: the request body exactly as received (ids above 2^53 survive, the signature
   * can be re-checked, quarantine keeps the original bytes); the enrich stage parses it.
   */
  payload?: unknown;
  /** Webhooks: the raw request body (UTF-8), parsed losslessly by the enrich stage. */
  body?: string;
  /** A few request headers that normalizers need (lower-cased names), e.g. x-shopify-topic. */
  headers?: Record<string, string>;
  /** Raw query string of a postback, kept verbatim. */
  rawQuery?: string;
  /**
   * The currency of amounts sent without one, when the source is configured with an explicit
   * default (write-key source config, `c360 ingest-file --currency`). Without it such money is
   * quarantined, never assumed.
   */
  defaultCurrency?: string;
  /** Provider event id when the edge already knows it (used for dedupe). */
  eventId?: string;
  /**
   * How far the sender is trusted (src/domain/trust.ts): set by the edge from the write key's
   * declared trust. Absent on a Segment record means client-side (a public key).
   */
  trust?: Trust;
}

/**
 * Client-side: a browser or mobile SDK's write key, public by design (it ships in every page).
 * Server-side: a server SDK's secret key, a signed webhook, a postback with its token, a batch file.
 */
export type Trust = 'client' | 'server';

import type { IdentityType } from './identity-types.generated';

export type { IdentityType };

export interface IdentityKey {
  type: IdentityType;
  value: string;
}

export interface UaInfo {
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  deviceType: 'desktop' | 'mobile' | 'tablet' | 'tv' | 'console' | 'wearable' | 'bot' | 'other';
  isBot: boolean;
}

export interface GeoInfo {
  country: string | null;
  region: string | null;
  city: string | null;
}

export type ReferrerClass = 'search' | 'social' | 'email' | 'paid' | 'internal' | 'direct' | 'other';

export interface CampaignInfo {
  source: string | null;
  medium: string | null;
  name: string | null;
  term: string | null;
  content: string | null;
  clickIdType: 'gclid' | 'fbclid' | 'ttclid' | 'msclkid' | null;
  clickId: string | null;
  referrerClass: ReferrerClass;
  referrerHost: string | null;
}

export interface EventFlags {
  /** originalTimestamp/timestamp was in the future and clamped to receivedAt. */
  futureClamped: boolean;
  /** Event time is older than the lake's open window (arrived late). */
  late: boolean;
  bot: boolean;
  /**
   * The sender's trust (src/domain/trust.ts). Added after v1 was published: `flags` is an open
   * object in common.v1.json, so v1 validates it; rows written before it lack it (read as NULL, and
   * SQL treats a Segment row without it as client-side, see sql/silver/identities.sql).
   */
  trust?: Trust;
}

/**
 * The canonical event: one row of bronze. Money is always in minor units (integer) with an
 * ISO-4217 currency code. No clear-text email, phone or full IP is ever present.
 */
export interface CanonicalEvent {
  schemaVersion: 1;
  /** Dedupe key: Segment messageId, provider event id, or a content hash. */
  eventId: string;
  type: EventType;
  /** Track event name (e.g. "Product Viewed"), page/screen name, or provider event type (e.g. "charge.succeeded"). */
  event: string | null;
  source: string;
  kind: EnvelopeKind;
  userId: string | null;
  anonymousId: string | null;
  originalTimestamp: string | null;
  sentAt: string | null;
  receivedAt: string;
  /** Derived event time: receivedAt - (sentAt - originalTimestamp), clamped. ISO-8601 UTC. */
  timestamp: string;
  context: JsonObject;
  properties: JsonObject;
  traits: JsonObject;
  identities: IdentityKey[];
  enrichment: {
    ua: UaInfo | null;
    geo: GeoInfo | null;
    campaign: CampaignInfo | null;
    /** Anonymized client IP (IPv4 /24, IPv6 /48). */
    ip: string | null;
  };
  flags: EventFlags;
  /** Request id of the edge request this event came in. */
  requestId: string;
}

/**
 * The dedupe key of an event: its id in its sender's namespace. Segment messageIds share one
 * namespace across write keys (the same message sent to two sources is one event); a provider's
 * or file's ids live in that provider's namespace, so a Segment messageId never deduplicates a
 * Stripe event id. The ETL builds the same key (silver.events.event_id).
 */
export function eventKey(e: Pick<CanonicalEvent, 'kind' | 'source' | 'eventId'>): string {
  return `${e.kind === 'segment' ? 'segment' : e.source}:${e.eventId}`;
}

/** Why an event went to quarantine instead of bronze. */
export type QuarantineReason = 'parse_error' | 'schema_violation' | 'size' | 'unknown_type' | 'auth';

export interface QuarantineRecord {
  reason: QuarantineReason;
  /** Human-readable detail; for schema_violation, the failing paths. */
  detail: string;
  errors?: { path: string; rule: string; message: string }[];
  source: string | null;
  receivedAt: string;
  quarantinedAt: string;
  /**
   * The original stream record data, verbatim (base64 when not valid UTF-8 JSON); empty when the
   * original was too large for a quarantine line and was stored as an object (`originalRef`).
   */
  original: string;
  /** Object key of an original stored apart (Firehose takes 1,000 KiB per record). */
  originalRef?: string;
  /**
   * The original sealed with a batch data key (AES-256-GCM; `original` is then empty) and that
   * key wrapped by the vault key: quarantine never holds a sender's PII in clear.
   */
  sealedOriginal?: string;
  sealedKey?: string;
  originalBytes?: number;
}
