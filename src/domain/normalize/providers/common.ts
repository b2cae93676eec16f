import { createHash } from 'node:crypto';
import type { EventType, IdentityKey, RawEnvelope } from '../../event';
import { parseInstant } from '../../instant';
import type { CanonicalDraft, NormalizeOutcome, Normalizer, Rejection } from '../types';

/** Helpers shared by the provider normalizers. */
export function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function str(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim().length > 0 ? v.trim() : null;
}

/**
 * One normalization for every enum value c360 stores: trimmed, lower case, spaces and dashes as
 * underscores ("LOW" → "low", "Partially Refunded" → "partially_refunded"). Null when empty.
 */
export function enumValue(v: unknown): string | null {
  const s = str(v);
  return s === null ? null : s.toLowerCase().replace(/[\s-]+/g, '_');
}

export function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

/**
 * Unix seconds, epoch ms or ISO → ISO-8601 UTC, or null (no zone written = UTC). Numbers above 1e11 are milliseconds
 * (1e11 seconds is the year 5138; 1e11 ms is 1973), so old dates in ms are read right too.
 */
export function isoTime(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const d = new Date(v > 1e11 ? v : v * 1000);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof v === 'string' && v.trim()) {
    if (/^\d+(\.\d+)?$/.test(v.trim())) return isoTime(Number(v));
    const t = parseInstant(v);
    return t === null ? null : new Date(t).toISOString();
  }
  return null;
}

export function contentHash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex').slice(0, 32);
}

export function identities(...keys: [IdentityKey['type'], unknown][]): IdentityKey[] {
  const out: IdentityKey[] = [];
  for (const [type, value] of keys) {
    const v = str(value);
    if (v) out.push({ type, value: v });
  }
  return out;
}

export function draft(
  env: RawEnvelope,
  fields: {
    eventId: string;
    type: EventType;
    event: string | null;
    originalTimestamp: string | null;
    properties: Record<string, unknown>;
    traits?: Record<string, unknown>;
    identities: IdentityKey[];
    userId?: string | null;
    anonymousId?: string | null;
    context?: Record<string, unknown>;
  },
): CanonicalDraft {
  return {
    eventId: fields.eventId,
    type: fields.type,
    event: fields.event,
    source: env.source,
    kind: env.kind,
    userId: fields.userId ?? null,
    anonymousId: fields.anonymousId ?? null,
    originalTimestamp: fields.originalTimestamp,
    sentAt: null,
    receivedAt: env.receivedAt,
    context: fields.context ?? {},
    properties: fields.properties,
    traits: fields.traits ?? {},
    identities: fields.identities,
    requestId: env.requestId,
  };
}

export const unknownType = (provider: string, type: unknown): NormalizeOutcome => ({
  ok: false,
  reason: 'unknown_type',
  detail: `${provider} event type ${JSON.stringify(type)} is not normalized (stored raw in quarantine)`,
});

export const invalid = (provider: string, path: string, message: string): NormalizeOutcome => ({
  ok: false,
  reason: 'schema_violation',
  detail: `${provider}: ${path} ${message}`,
  errors: [{ path, rule: 'required', message }],
});

/**
 * A payload that is a list of events (HubSpot, SendGrid): each normalized on its own; one c360
 * does not model is rejected alone (quarantined with its position) while the rest is stored. A
 * payload that is one rejected event is refused as a whole, with its reason.
 */
export function normalizeEach(
  env: Parameters<Normalizer>[0],
  one: (env: Parameters<Normalizer>[0], e: Record<string, unknown>) => CanonicalDraft | Omit<Rejection, 'at'>,
): NormalizeOutcome {
  const list = Array.isArray(env.payload) ? env.payload : [env.payload];
  const events: CanonicalDraft[] = [];
  const rejected: Rejection[] = [];
  list.forEach((raw, i) => {
    const out = one(env, obj(raw));
    if ('reason' in out) rejected.push({ at: `/${i}`, ...out });
    else events.push(out);
  });
  if (events.length === 0 && rejected.length === 1) {
    const only = rejected[0] as Rejection;
    return {
      ok: false,
      reason: only.reason,
      detail: only.detail,
      ...(only.errors ? { errors: only.errors } : {}),
    };
  }
  return { ok: true, events, ...(rejected.length ? { rejected } : {}) };
}
