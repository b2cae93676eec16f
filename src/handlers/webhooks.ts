import { createHash } from 'node:crypto';
import {
  AuthError,
  BadRequestError,
  DownstreamUnavailableError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
} from '../domain/errors';
import type { RawEnvelope } from '../domain/event';
import {
  ipAllowed,
  POSTBACK_NETWORKS,
  parseWebhookSecrets,
  tokenMatches,
  type WebhookSecrets,
} from '../domain/webhooks/config';
import type { Clock, IdGenerator } from '../ports/clock';
import type { ReplayGuard } from '../ports/replay-guard';
import type { SecretStore } from '../ports/secrets';
import type { EventStream } from '../ports/stream';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';
import { WEBHOOK_SOURCE_NAMES, webhookSource } from '../sources';
import type { SignedRequest, WebhookSource } from '../sources/types';
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
 * Provider webhooks (POST /webhooks/{provider}) and ad-network postbacks
 * (GET|POST /postbacks/{network}/{token}). Signatures are verified on the raw body before
 * anything is parsed; each accepted request becomes one RawEnvelope on the stream, normalized
 * by the enrich stage. A provider retry of an event already accepted gets 200 and no new record.
 */
export interface WebhookDeps {
  stream: EventStream;
  secrets: SecretStore;
  /** Name of the webhook secret in the SecretStore. */
  secretName: string;
  replayGuard: ReplayGuard;
  clock: Clock;
  ids: IdGenerator;
  logger: LoggerPort;
  metrics: MetricsPort;
  maxBodyBytes?: number;
  /** How long parsed secrets are cached (rotation is picked up after this). */
  secretTtlMs?: number;
}

const WEBHOOK = /^\/webhooks\/([^/]+)\/?$/;
const POSTBACK = /^\/postbacks\/([^/]+)\/([^/]+)\/?$/;
/** A path segment, percent-decoded; malformed encoding is the caller's error (400), not ours. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new BadRequestError(`the path segment "${part}" is not valid percent-encoding`, [
      { field: 'path', rule: 'format', message: 'malformed percent-encoding' },
    ]);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The replay key: something the signature covers, so a captured request sent again is caught
 * whatever headers it carries. A source says its own (Shopify: the body); by default the event
 * id its signed body holds, else the body's hash.
 */
function replayKey(source: WebhookSource, eventId: string | null, body: Buffer): string {
  if (source.replayKey) return source.replayKey(eventId, body);
  return eventId ?? `body:${createHash('sha256').update(body).digest('hex')}`;
}

/** Kinesis takes 1 MiB per record (data + partition key); an envelope that cannot fit is a 413 at the edge. */
export const MAX_STREAM_RECORD_BYTES = 1024 * 1024;

/** What the two routes share: dependencies, the body limit, the cached secret, the accept-once protocol. */
interface Edge {
  deps: WebhookDeps;
  maxBody: number;
  secrets: () => Promise<WebhookSecrets>;
  acceptOnce: (
    provider: string,
    key: string,
    requestId: string,
    accept: () => Promise<void>,
  ) => Promise<'accepted' | 'duplicate'>;
  write: (envelope: RawEnvelope, partitionKey: string, bodyBytes: number) => Promise<void>;
}

export const createWebhookHandler = (deps: WebhookDeps) => {
  const maxBody = deps.maxBodyBytes ?? 1024 * 1024;
  let cached: { at: number; value: WebhookSecrets } | null = null;
  const secrets = async (): Promise<WebhookSecrets> => {
    const now = deps.clock.now().getTime();
    if (!cached || now - cached.at > (deps.secretTtlMs ?? 300_000)) {
      cached = {
        at: now,
        value: parseWebhookSecrets(await deps.secrets.get(deps.secretName), deps.secretName),
      };
    }
    return cached.value;
  };

  const write = async (envelope: RawEnvelope, partitionKey: string, bodyBytes: number) => {
    const data = Buffer.from(JSON.stringify(envelope), 'utf8');
    const size = data.length + Buffer.byteLength(partitionKey);
    if (size > MAX_STREAM_RECORD_BYTES) {
      throw new PayloadTooLargeError(
        `the request (${bodyBytes} bytes) does not fit a stream record with its envelope (${size} of ${MAX_STREAM_RECORD_BYTES} bytes)`,
        MAX_STREAM_RECORD_BYTES,
        size,
      );
    }
    await deps.stream.put([{ partitionKey, data }]);
  };

  /**
   * Accepts one request exactly once: an atomic replay claim, the stream write, then confirm (or
   * release when the write failed, so the provider's retry is accepted).
   */
  const acceptOnce = async (
    provider: string,
    key: string,
    requestId: string,
    accept: () => Promise<void>,
  ): Promise<'accepted' | 'duplicate'> => {
    const claim = await deps.replayGuard.claim(provider, key, requestId);
    if (claim === 'duplicate') return 'duplicate';
    if (claim === 'in_flight') {
      throw new DownstreamUnavailableError('the same request is being accepted right now; retry shortly');
    }
    try {
      await accept();
    } catch (err) {
      await deps.replayGuard.release(provider, key, requestId).catch(() => {});
      throw err;
    }
    await deps.replayGuard.confirm(provider, key, requestId);
    return 'accepted';
  };

  const edge: Edge = { deps, maxBody, secrets, acceptOnce, write };
  return withEdgeMetrics(deps.metrics, async (event: HttpEvent): Promise<HttpResult> => {
    const requestId = event.requestContext?.requestId ?? deps.ids();
    try {
      const path = event.rawPath ?? '';
      const w = WEBHOOK.exec(path);
      if (w) return await webhook(edge, event, decodePathPart(w[1] as string), requestId);
      const p = POSTBACK.exec(path);
      if (p)
        return await postback(
          edge,
          event,
          decodePathPart(p[1] as string),
          decodePathPart(p[2] as string),
          requestId,
        );
      throw new NotFoundError(`no route ${path}: use /webhooks/{provider} or /postbacks/{network}/{token}`);
    } catch (err) {
      const res = errorResponse(err, deps.logger, requestId);
      // Our failures (5xx: the stream or a store unavailable) count against the acceptance SLO;
      // a sender's bad request or signature does not.
      if ((res.statusCode ?? 500) >= 500) {
        deps.metrics.addMetric('WebhookFailed', 'Count', 1);
        deps.metrics.publishStoredMetrics();
      }
      return res;
    }
  });
};

/** POST /webhooks/{provider}: verified on the raw body by its source, then accepted once. */
async function webhook(
  edge: Edge,
  event: HttpEvent,
  providerName: string,
  requestId: string,
): Promise<HttpResult> {
  const { deps, maxBody, secrets, acceptOnce, write } = edge;
  const source = webhookSource(providerName);
  if (!source) {
    throw new NotFoundError(
      `unknown webhook provider "${providerName}" (supported: ${WEBHOOK_SOURCE_NAMES.join(', ')})`,
    );
  }
  const provider = source.name;
  const method = event.requestContext?.http?.method ?? 'POST';
  if (method !== 'POST') throw new MethodNotAllowedError(`${method} is not allowed on webhooks: use POST`);
  const body = decodeBody(event, maxBody);
  const { providers } = await secrets();
  // Own keys only: a path segment such as "valueOf" must not reach Object.prototype.
  const keys = Object.hasOwn(providers, provider) ? providers[provider] : undefined;
  if (!keys || keys.length === 0) throw new AuthError(`no ${provider} signing secret is configured`);
  const host = header(event, 'host') ?? event.requestContext?.domainName ?? '';
  const request: SignedRequest = {
    body,
    header: (name) => header(event, name),
    method,
    url: `https://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`,
  };
  const verdict = source.verify(request, keys, deps.clock.now().getTime());
  if (!verdict.ok) throw new AuthError(verdict.reason);
  const payload = parseJson(body);
  const eventId = source.eventId(payload, request);
  const headers: Record<string, string> = {};
  for (const h of source.keptHeaders ?? []) {
    const v = header(event, h);
    if (v !== undefined) headers[h] = v;
  }
  const envelope: RawEnvelope = {
    v: 1,
    kind: 'webhook',
    source: provider,
    provider,
    receivedAt: deps.clock.now().toISOString(),
    requestId,
    ...(event.requestContext?.http?.sourceIp ? { ip: event.requestContext.http.sourceIp } : {}),
    ...(header(event, 'user-agent') ? { userAgent: header(event, 'user-agent') } : {}),
    body: body.toString('utf8'),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(eventId ? { eventId } : {}),
  };
  const outcome = await acceptOnce(provider, replayKey(source, eventId, body), requestId, () =>
    write(envelope, eventId ?? requestId, body.length),
  );
  if (outcome === 'duplicate') {
    deps.metrics.addMetric('WebhookReplays', 'Count', 1);
    deps.metrics.publishStoredMetrics();
    return json(200, { success: true, duplicate: true, eventId });
  }
  deps.metrics.addDimension('provider', provider);
  deps.metrics.addMetric('WebhookAccepted', 'Count', 1);
  deps.metrics.publishStoredMetrics();
  return json(200, { success: true, eventId });
}

/** GET|POST /postbacks/{network}/{token}: a partner's token (and allowlist), then accepted once. */
async function postback(
  edge: Edge,
  event: HttpEvent,
  network: string,
  token: string,
  requestId: string,
): Promise<HttpResult> {
  const { deps, maxBody, secrets, acceptOnce, write } = edge;
  const { postbacks } = await secrets();
  const cfg = Object.hasOwn(postbacks, network) ? postbacks[network] : undefined;
  if (!cfg && !(POSTBACK_NETWORKS as readonly string[]).includes(network)) {
    throw new NotFoundError(
      `unknown postback network "${network}" (supported: ${POSTBACK_NETWORKS.join(', ')})`,
    );
  }
  if (!cfg || !tokenMatches(token, cfg.tokens)) throw new AuthError('invalid postback token');
  const ip = event.requestContext?.http?.sourceIp ?? '';
  if (cfg.allowIps?.length && !ipAllowed(ip, cfg.allowIps)) {
    throw new ForbiddenError(`source IP ${ip} is not in the ${network} allowlist`);
  }
  const method = event.requestContext?.http?.method ?? 'GET';
  let fields: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(event.rawQueryString ?? '')) fields[k] = v;
  let rawBody: Buffer = Buffer.alloc(0);
  if (method === 'POST') {
    const body = decodeBody(event, maxBody);
    rawBody = body;
    if (body.length > 0) {
      const ct = (header(event, 'content-type') ?? '').toLowerCase();
      if (ct.startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(body.toString('utf8'))) fields[k] = v;
      } else {
        const parsed = parseJson(body);
        if (!isObject(parsed)) {
          throw new BadRequestError('postback body must be a JSON object', [
            { field: '/', rule: 'type', message: 'expected a JSON object' },
          ]);
        }
        fields = { ...fields, ...parsed };
      }
    }
  } else if (method !== 'GET') {
    throw new MethodNotAllowedError(`${method} is not allowed on postbacks: use GET or POST`);
  }
  if (Object.keys(fields).length === 0) {
    throw new BadRequestError('postback carries no fields', [
      {
        field: 'query',
        rule: 'required',
        message: 'send the postback fields as query parameters or a JSON body',
      },
    ]);
  }
  const envelope: RawEnvelope = {
    v: 1,
    kind: 'postback',
    source: network,
    provider: network,
    receivedAt: deps.clock.now().toISOString(),
    requestId,
    ...(ip ? { ip } : {}),
    ...(header(event, 'user-agent') ? { userAgent: header(event, 'user-agent') } : {}),
    payload: fields,
    rawQuery: event.rawQueryString ?? '',
  };
  // Postbacks carry no event id: the replay key is the request itself (a network's retry sends
  // the same query and body; a captured URL sent again is caught too).
  const key = `req:${createHash('sha256')
    .update(method)
    .update('\u0000')
    .update(event.rawQueryString ?? '')
    .update('\u0000')
    .update(rawBody)
    .digest('hex')}`;
  const outcome = await acceptOnce(network, key, requestId, () =>
    write(
      envelope,
      String(fields.appsflyer_id ?? fields.adid ?? fields.device_id ?? requestId),
      rawBody.length,
    ),
  );
  if (outcome === 'duplicate') {
    deps.metrics.addMetric('PostbackReplays', 'Count', 1);
    deps.metrics.publishStoredMetrics();
    return json(200, { success: true, duplicate: true });
  }
  deps.metrics.addDimension('provider', network);
  deps.metrics.addMetric('PostbackAccepted', 'Count', 1);
  deps.metrics.publishStoredMetrics();
  return json(200, { success: true });
}
