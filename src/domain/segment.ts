import { createHash } from 'node:crypto';
import type { FieldProblem } from './errors';
import { SEGMENT_TYPES, type SegmentType } from './event';
import { parseInstant } from './instant';

/**
 * The Segment tracking API contract at the edge: limits, message validation and partition keys.
 * https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
 */
export const SEGMENT_LIMITS = {
  /** Per event, serialized. */
  maxEventBytes: 32 * 1024,
  /** Per request body (after gzip decoding). */
  maxBatchBytes: 500 * 1024,
  maxBatchEvents: 2500,
} as const;

export interface SegmentMessage {
  type: SegmentType;
  messageId: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  timestamp?: string;
  originalTimestamp?: string;
  sentAt?: string;
  context?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  [key: string]: unknown;
}

const TYPES = new Set<string>(SEGMENT_TYPES);
// A date-time with or without a zone: one without is UTC (src/domain/instant.ts), at every edge.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const MAX_ID = 256;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isSegmentType(t: unknown): t is SegmentType {
  return typeof t === 'string' && TYPES.has(t);
}

/**
 * Checks one message; returns the problems (empty when valid). `index` is the position in the
 * batch. Numeric ids are accepted (SDKs send them) and become strings in `normalizeIds`.
 */
export function checkSegmentMessage(msg: unknown, index: number, typeFromPath?: SegmentType): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const p = (field: string, rule: string, message: string) => problems.push({ index, field, rule, message });
  if (!isPlainObject(msg)) {
    p('/', 'type', 'event must be a JSON object');
    return problems;
  }
  const type = typeFromPath ?? msg.type;
  if (type === undefined) p('/type', 'required', `type is required (one of ${SEGMENT_TYPES.join(', ')})`);
  else if (!isSegmentType(type)) p('/type', 'enum', `type must be one of ${SEGMENT_TYPES.join(', ')}`);

  for (const key of ['userId', 'anonymousId'] as const) {
    const v = msg[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
      p(`/${key}`, 'type', `${key} must be a string`);
    } else if (String(v).length === 0) p(`/${key}`, 'minLength', `${key} must not be empty`);
    else if (String(v).length > MAX_ID)
      p(`/${key}`, 'maxLength', `${key} must be at most ${MAX_ID} characters`);
  }
  const hasId = (v: unknown) => (typeof v === 'string' && v.length > 0) || typeof v === 'number';
  if (!hasId(msg.userId) && !hasId(msg.anonymousId)) {
    p('/userId', 'required', 'userId or anonymousId is required');
  }
  if (msg.messageId !== undefined && msg.messageId !== null) {
    if (typeof msg.messageId !== 'string' || msg.messageId.length === 0 || msg.messageId.length > MAX_ID) {
      p('/messageId', 'type', `messageId must be a non-empty string of at most ${MAX_ID} characters`);
    }
  }
  if (type === 'track') {
    if (typeof msg.event !== 'string' || msg.event.trim().length === 0) {
      p(
        '/event',
        msg.event === undefined ? 'required' : 'type',
        'track events need a non-empty string "event"',
      );
    } else if (msg.event.length > 512) p('/event', 'maxLength', 'event must be at most 512 characters');
  }
  if (type === 'group' && msg.groupId === undefined) p('/groupId', 'required', 'group calls need a groupId');
  if (type === 'alias' && msg.previousId === undefined) {
    p('/previousId', 'required', 'alias calls need a previousId');
  }
  for (const key of ['timestamp', 'originalTimestamp', 'sentAt'] as const) {
    const v = msg[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !ISO_DATE_TIME.test(v) || parseInstant(v) === null) {
      p(`/${key}`, 'format', `${key} must be an ISO-8601 date-time`);
    }
  }
  for (const key of ['context', 'properties', 'traits', 'integrations'] as const) {
    const v = msg[key];
    if (v !== undefined && v !== null && !isPlainObject(v)) p(`/${key}`, 'type', `${key} must be an object`);
  }
  return problems;
}

/**
 * Returns the message ready for the stream: type set from the path, ids as strings, a
 * messageId (generated when absent), originalTimestamp kept (Segment's `timestamp` is the
 * client's event time when no originalTimestamp was sent).
 */
/**
 * A message without a messageId gets one derived from its content (source + the message as
 * sent, minus sentAt which an SDK restamps on every attempt): a client's retry of the same
 * message after a partial failure then has the same id and is deduplicated, never stored twice.
 * Two messages identical in every field (including their timestamp) count as one.
 */
export function contentMessageId(source: string, msg: Record<string, unknown>): string {
  const { sentAt: _sentAt, messageId: _messageId, ...rest } = msg;
  return `c360-${createHash('sha256').update(source).update('\u0000').update(JSON.stringify(rest)).digest('hex').slice(0, 32)}`;
}

export function normalizeIds(
  msg: Record<string, unknown>,
  typeFromPath: SegmentType | undefined,
  source: string,
): SegmentMessage {
  const out: Record<string, unknown> = { ...msg };
  if (typeFromPath) out.type = typeFromPath;
  if (typeof out.userId === 'number') out.userId = String(out.userId);
  if (typeof out.anonymousId === 'number') out.anonymousId = String(out.anonymousId);
  if (out.userId === null || out.userId === '') delete out.userId;
  if (out.anonymousId === null || out.anonymousId === '') delete out.anonymousId;
  if (typeof out.messageId !== 'string' || out.messageId.length === 0)
    out.messageId = contentMessageId(source, msg);
  return out as SegmentMessage;
}

export function partitionKeyOf(msg: {
  userId?: unknown;
  anonymousId?: unknown;
  messageId?: unknown;
}): string {
  const key = msg.userId ?? msg.anonymousId ?? msg.messageId;
  const s = typeof key === 'string' && key.length > 0 ? key : String(key ?? 'unknown');
  // Kinesis partition keys are at most 256 Unicode characters.
  return s.length > 256 ? s.slice(0, 256) : s;
}
