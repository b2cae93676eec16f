import {
  AuthError,
  BadRequestError,
  type FieldProblem,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
} from '../domain/errors';
import type { RawEnvelope, SegmentType, Trust } from '../domain/event';
import { verifyUserId } from '../domain/identity-verification';
import { deeperThan, MAX_JSON_DEPTH } from '../domain/json';
import {
  checkSegmentMessage,
  isSegmentType,
  normalizeIds,
  partitionKeyOf,
  SEGMENT_LIMITS,
} from '../domain/segment';
import { type WriteKeyGrant, writeKeyFromBasicAuth } from '../domain/write-keys';
import type { Clock, IdGenerator } from '../ports/clock';
import type { EventStream, StreamRecord } from '../ports/stream';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';
import type { DailyQuota, RateLimit, RateLimiter, WriteKeyResolver } from '../ports/write-keys';
import {
  decodeBody,
  errorResponse,
  type HttpEvent,
  type HttpResult,
  header,
  json,
  parseJson,
  withEdgeMetrics,
} from './http';

/**
 * Segment-compatible tracking API: POST /v1/batch, /v1/import and /v1/{track|identify|page|screen|group|alias}
 * (OPTIONS for CORS preflight).
 * Each accepted message becomes one RawEnvelope on the event stream. 200 only after the stream
 * write resolved; invalid messages of a batch are listed in a 400 while the valid ones are kept.
 */
export interface IngestDeps {
  stream: EventStream;
  writeKeys: WriteKeyResolver;
  clock: Clock;
  ids: IdGenerator;
  logger: LoggerPort;
  metrics: MetricsPort;
  /**
   * Per-key rates, for keys that declare `ratePerSecond` (and `burst`). Without a limiter nothing is
   * rate-limited here (the API's route throttles still apply in AWS).
   */
  rateLimiter?: RateLimiter;
  /** Per-key daily quotas (keys that declare `dailyQuota`). */
  quota?: DailyQuota;
  limits?: Partial<typeof SEGMENT_LIMITS>;
  /** Browser origins allowed per source (CORS for analytics.js), e.g. { web: ['https://shop.example'] }. */
  corsOrigins?: Record<string, string[]>;
}

const ROUTE = /^\/v1\/([a-z]+)\/?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The request's messages: a batch's list (an array, within the limit) or the one event sent. */
function messagesOf(parsed: Record<string, unknown>, isBatch: boolean, maxBatchEvents: number): unknown[] {
  if (!isBatch) return [parsed];
  if (!Array.isArray(parsed.batch)) {
    throw new BadRequestError('"batch" must be an array of events', [
      {
        field: '/batch',
        rule: parsed.batch === undefined ? 'required' : 'type',
        message: 'expected an array',
      },
    ]);
  }
  const messages: unknown[] = parsed.batch;
  if (messages.length > maxBatchEvents) {
    throw new BadRequestError(`batch has ${messages.length} events; the limit is ${maxBatchEvents}`, [
      {
        field: '/batch',
        rule: 'maxItems',
        message: `at most ${maxBatchEvents} events per batch`,
      },
    ]);
  }
  return messages;
}

/**
 * Each message checked (field, rule) and, when valid, wrapped in its stream envelope: the batch's
 * context and sentAt apply to its events, an event over the size or depth limit is rejected alone.
 */
function toStreamRecords(
  messages: unknown[],
  ctx: {
    source: string;
    trust: Trust;
    requestId: string;
    receivedAt: string;
    ip: string | undefined;
    userAgent: string | undefined;
    batchContext: Record<string, unknown> | undefined;
    batchSentAt: string | undefined;
    typeFromPath: SegmentType | undefined;
    maxEventBytes: number;
    /** The key's identity secret: user ids count only with their HMAC. */
    identitySecret: string | undefined;
  },
): { records: StreamRecord[]; rejected: FieldProblem[]; bytes: number; unverified: number } {
  const { source, trust, requestId, receivedAt, ip, userAgent, batchContext, batchSentAt, typeFromPath } =
    ctx;
  const rejected: FieldProblem[] = [];
  const records: StreamRecord[] = [];
  let bytes = 0;
  let unverified = 0;
  messages.forEach((raw, index) => {
    let msg = raw;
    if (isObject(msg) && (batchContext || (batchSentAt && msg.sentAt === undefined))) {
      msg = {
        ...msg,
        ...(batchSentAt && msg.sentAt === undefined ? { sentAt: batchSentAt } : {}),
        ...(batchContext
          ? { context: { ...batchContext, ...(isObject(msg.context) ? msg.context : {}) } }
          : {}),
      };
    }
    if (ctx.identitySecret && isObject(msg)) {
      const verified = verifyUserId(msg, ctx.identitySecret, index);
      if (!verified.ok) {
        rejected.push(verified.problem);
        return;
      }
      if (verified.demoted) unverified++;
      msg = verified.message;
    }
    const problems = checkSegmentMessage(msg, index, typeFromPath);
    if (problems.length > 0) {
      rejected.push(...problems);
      return;
    }
    const message = normalizeIds(msg as Record<string, unknown>, typeFromPath, source);
    const envelope: RawEnvelope = {
      v: 1,
      kind: 'segment',
      source,
      trust,
      receivedAt,
      requestId,
      ...(ip ? { ip } : {}),
      ...(userAgent ? { userAgent } : {}),
      payload: message,
      eventId: message.messageId,
    };
    const text = JSON.stringify(envelope);
    const data = Buffer.from(text, 'utf8');
    if (data.length > ctx.maxEventBytes + 2048) {
      rejected.push({
        index,
        field: '/',
        rule: 'maxEventBytes',
        message: `event is ${data.length} bytes; the limit is ${ctx.maxEventBytes} bytes per event`,
      });
      return;
    }
    // Every later stage reads the record as the stream carries it: no deeper than that allows.
    if (deeperThan(text, MAX_JSON_DEPTH)) {
      rejected.push({
        index,
        field: '/',
        rule: 'maxDepth',
        message: `event nests deeper than the ${MAX_JSON_DEPTH - 2} levels an event may use`,
      });
      return;
    }
    bytes += data.length;
    records.push({ partitionKey: partitionKeyOf(message), data });
  });
  return { records, rejected, bytes, unverified };
}

/** CORS per source: browsers may call only from a source's own origins. */
function corsPolicy(cors: Record<string, string[]>) {
  const anyOrigin = new Set(Object.values(cors).flat());

  /** CORS preflight: the write key is not sent yet, so any source's origin may ask. */
  const preflight = (origin: string | undefined): HttpResult => {
    if (!origin || !anyOrigin.has(origin)) {
      return json(403, {
        success: false,
        error: `origin ${origin ?? '(none)'} is not allowed: add it to a source's CORS origins`,
      });
    }
    return {
      statusCode: 204,
      headers: {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type, content-encoding',
        'access-control-max-age': '600',
        vary: 'Origin',
      },
      body: '',
    };
  };
  /** The real request: the origin must be one of the write key's source. */
  const withCors = (result: HttpResult, source: string, origin: string | undefined): HttpResult =>
    origin && cors[source]?.includes(origin)
      ? { ...result, headers: { ...result.headers, 'access-control-allow-origin': origin, vary: 'Origin' } }
      : result;
  return { preflight, withCors };
}

/**
 * The next metrics counted three ways: the service's total (dashboards, SLOs), per source, and per
 * write key (which key floods, which was refused). CloudWatch aggregates by the exact dimension set.
 */
function perKey(deps: IngestDeps, grant: Pick<WriteKeyGrant, 'keyId' | 'source'>): void {
  deps.metrics.addDimensions({});
  deps.metrics.addDimensions({ source: grant.source });
  deps.metrics.addDimensions({ source: grant.source, writeKey: grant.keyId });
}

/**
 * A key's admission: its rate, then its daily quota (a throttled request consumes none of it).
 * Over either: 429 with what to do, counted per key.
 */
async function admit(
  deps: IngestDeps,
  grant: Pick<WriteKeyGrant, 'keyId' | 'source' | 'ratePerSecond' | 'burst' | 'dailyQuota'>,
  events: number,
): Promise<void> {
  const rate: RateLimit | undefined =
    grant.ratePerSecond !== undefined
      ? { ratePerSecond: grant.ratePerSecond, burst: grant.burst ?? grant.ratePerSecond * 2 }
      : undefined;
  const refuse = (message: string): never => {
    perKey(deps, grant);
    deps.metrics.addMetric('IngestThrottled', 'Count', events);
    deps.metrics.publishStoredMetrics();
    throw new ThrottledError(message);
  };
  if (rate && deps.rateLimiter && !deps.rateLimiter.tryTake(`key:${grant.keyId}`, events, rate)) {
    refuse(
      `write key "${grant.keyId}" (source "${grant.source}") is over its rate of ${rate.ratePerSecond} events/s; retry with backoff`,
    );
  }
  if (grant.dailyQuota !== undefined && deps.quota) {
    const day = deps.clock.now().toISOString().slice(0, 10);
    if (!(await deps.quota.consume(grant.keyId, day, events, grant.dailyQuota))) {
      refuse(
        `write key "${grant.keyId}" (source "${grant.source}") has used its daily quota of ${grant.dailyQuota} events; it resets at 00:00 UTC`,
      );
    }
  }
}

export const createIngestHandler = (deps: IngestDeps) => {
  const limits = { ...SEGMENT_LIMITS, ...deps.limits };
  const { preflight, withCors } = corsPolicy(deps.corsOrigins ?? {});

  return withEdgeMetrics(deps.metrics, async (event: HttpEvent): Promise<HttpResult> => {
    const requestId = event.requestContext?.requestId ?? deps.ids();
    try {
      const path = event.rawPath ?? event.requestContext?.http?.path ?? '';
      const route = ROUTE.exec(path)?.[1];
      if (!route || (route !== 'batch' && route !== 'import' && !isSegmentType(route))) {
        throw new NotFoundError(
          `no route ${path}: use /v1/batch, /v1/import or /v1/track|identify|page|screen|group|alias`,
        );
      }
      const method = event.requestContext?.http?.method ?? 'POST';
      const origin = header(event, 'origin');
      if (method === 'OPTIONS') return preflight(origin);
      if (method !== 'POST') throw new MethodNotAllowedError(`${method} is not allowed on ${path}: use POST`);

      // /v1/import is Segment's historical bulk load: a batch, same rules.
      const isBatch = route === 'batch' || route === 'import';
      // A key in the Authorization header is checked before the body is decoded, so an
      // unknown caller cannot make us gunzip and parse 500 KB.
      const headerKey = writeKeyFromBasicAuth(header(event, 'authorization'));
      if (headerKey && !(await deps.writeKeys.resolve(headerKey))) throw new AuthError('unknown write key');
      const body = decodeBody(event, isBatch ? limits.maxBatchBytes : limits.maxEventBytes);
      // Any declared content type: real SDKs send JSON as text/plain (analytics.js beacons) or as
      // application/x-www-form-urlencoded (the RudderStack Node SDK's gzip bodies); the body must parse.
      const parsed = parseJson(body);
      if (!isObject(parsed)) {
        throw new BadRequestError('request body must be a JSON object', [
          { field: '/', rule: 'type', message: 'expected a JSON object' },
        ]);
      }

      const key =
        headerKey ??
        (typeof parsed.writeKey === 'string' && parsed.writeKey.length > 0 ? parsed.writeKey : null);
      if (!key) throw new AuthError('missing write key: send it as the HTTP Basic user name');
      const grant = await deps.writeKeys.resolve(key);
      if (!grant) throw new AuthError('unknown write key');
      const { source, keyId } = grant;
      if (grant.disabled) {
        perKey(deps, grant);
        deps.metrics.addMetric('IngestKeyDisabled', 'Count', 1);
        deps.metrics.publishStoredMetrics();
        throw new ForbiddenError(
          `write key "${keyId}" of source "${source}" is disabled: ask the operator to enable it or issue a new key`,
        );
      }

      const messages = messagesOf(parsed, isBatch, limits.maxBatchEvents);
      await admit(deps, grant, messages.length);

      const receivedAt = deps.clock.now().toISOString();
      const ip = event.requestContext?.http?.sourceIp;
      const userAgent = header(event, 'user-agent');
      const batchContext = isBatch && isObject(parsed.context) ? parsed.context : undefined;
      const batchSentAt = typeof parsed.sentAt === 'string' ? parsed.sentAt : undefined;
      const typeFromPath: SegmentType | undefined = isBatch ? undefined : (route as SegmentType);

      const { records, rejected, bytes, unverified } = toStreamRecords(messages, {
        source,
        trust: grant.trust,
        requestId,
        receivedAt,
        ip,
        userAgent,
        batchContext,
        batchSentAt,
        typeFromPath,
        maxEventBytes: limits.maxEventBytes,
        identitySecret: grant.identitySecret,
      });

      if (!isBatch && rejected.length > 0 && rejected[0]?.rule === 'maxEventBytes') {
        throw new PayloadTooLargeError(rejected[0].message, limits.maxEventBytes, body.length);
      }

      if (records.length > 0) await deps.stream.put(records);

      perKey(deps, grant);
      deps.metrics.addMetric('IngestAccepted', 'Count', records.length);
      deps.metrics.addMetric('IngestRejected', 'Count', new Set(rejected.map((r) => r.index)).size);
      deps.metrics.addMetric('IngestBytes', 'Bytes', bytes);
      if (grant.identitySecret) deps.metrics.addMetric('IngestUnverifiedUserIds', 'Count', unverified);
      deps.metrics.publishStoredMetrics();

      if (rejected.length > 0) {
        const rejectedEvents = new Set(rejected.map((r) => r.index)).size;
        return withCors(
          json(400, {
            success: false,
            error: `${rejectedEvents} of ${messages.length} events rejected; the others were accepted`,
            accepted: records.length,
            rejected,
          }),
          source,
          origin,
        );
      }
      return withCors(json(200, { success: true, accepted: records.length }), source, origin);
    } catch (err) {
      return errorResponse(err, deps.logger, requestId);
    }
  });
};
