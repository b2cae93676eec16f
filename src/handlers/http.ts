import { gunzipSync, inflateSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  BadRequestError,
  C360Error,
  httpStatusOf,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../domain/errors';
import { JsonTooDeepError, MAX_JSON_DEPTH, parseJsonLossless } from '../domain/json';

/**
 * Deepest request body read at all (a guard against nesting bombs before any recursive walk).
 * Each event is then held to the record limit on its own (the ingest handler rejects a deeper
 * one alone), so one deep event does not cost its batch.
 */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH * 2;

import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/** Shared HTTP plumbing for the API Gateway HTTP API (payload v2) handlers. */

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export function header(event: HttpEvent, name: string): string | undefined {
  const h = event.headers ?? {};
  const direct = h[name] ?? h[name.toLowerCase()];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * The raw request body bytes as the caller sent them (API Gateway base64-encodes binary
 * bodies), then decoded per Content-Encoding, with the size limit enforced on both sides so a
 * gzip bomb cannot get past it.
 */
export function rawBody(event: HttpEvent): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

export function decodeBody(event: HttpEvent, maxBytes: number): Buffer {
  const raw = rawBody(event);
  if (raw.length > maxBytes) {
    throw new PayloadTooLargeError(`request body exceeds ${maxBytes} bytes`, maxBytes, raw.length);
  }
  const encoding = (header(event, 'content-encoding') ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding === 'gzip' || encoding === 'deflate') {
    let out: Buffer;
    try {
      out =
        encoding === 'gzip'
          ? gunzipSync(raw, { maxOutputLength: maxBytes + 1 })
          : inflateSync(raw, { maxOutputLength: maxBytes + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new PayloadTooLargeError(`decompressed body exceeds ${maxBytes} bytes`, maxBytes, maxBytes + 1);
      }
      throw new BadRequestError(`body is not valid ${encoding} data`, [
        {
          field: 'body',
          rule: 'content-encoding',
          message: `Content-Encoding is ${encoding} but the body is not`,
        },
      ]);
    }
    if (out.length > maxBytes) {
      throw new PayloadTooLargeError(`decompressed body exceeds ${maxBytes} bytes`, maxBytes, out.length);
    }
    return out;
  }
  throw new UnsupportedMediaTypeError(
    `unsupported Content-Encoding "${encoding}" (use gzip, deflate or none)`,
  );
}

/** Accepts application/json (any charset), text/plain (some SDKs) or no content type. */
export function requireJsonContentType(event: HttpEvent): void {
  const ct = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (ct === '' || ct === 'application/json' || ct === 'text/plain' || ct.endsWith('+json')) return;
  throw new UnsupportedMediaTypeError(`Content-Type must be application/json, got "${ct}"`);
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) {
    throw new BadRequestError('request body is empty', [
      { field: 'body', rule: 'required', message: 'empty body' },
    ]);
  }
  const text = body.toString('utf8');
  try {
    return parseJsonLossless(text, MAX_BODY_DEPTH);
  } catch (err) {
    if (err instanceof JsonTooDeepError)
      throw new BadRequestError(
        `request body nests ${err.depth} levels deep; at most ${MAX_BODY_DEPTH} are accepted`,
        [{ field: 'body', rule: 'maxDepth', message: `nesting deeper than ${MAX_BODY_DEPTH} levels` }],
      );
    throw new BadRequestError(
      'request body is not valid JSON',
      [{ field: 'body', rule: 'json', message: err instanceof Error ? err.message : 'invalid JSON' }],
      { cause: err },
    );
  }
}

/** Maps any error to its response in one place: typed errors to their status, others to 500. */
export function errorResponse(err: unknown, logger: LoggerPort, requestId?: string): HttpResult {
  const status = httpStatusOf(err);
  if (!(err instanceof C360Error) || status >= 500) {
    logger.error('request failed', { requestId }, err instanceof Error ? err : { error: String(err) });
  }
  if (err instanceof PayloadTooLargeError) {
    return json(413, {
      success: false,
      error: err.message,
      limitBytes: err.limitBytes,
      actualBytes: err.actualBytes,
    });
  }
  if (err instanceof BadRequestError) {
    return json(400, { success: false, error: err.message, rejected: err.problems });
  }
  if (err instanceof C360Error) {
    const headers: Record<string, string> = err.retryable ? { 'retry-after': '1' } : {};
    return json(status, { success: false, error: err.message }, headers);
  }
  return json(500, { success: false, error: 'internal error', requestId });
}

/**
 * The edge SLI, as SDK, webhook and postback callers see it: every answer counts a request, and it
 * is answered unless it is a server error (5xx) or a throttle (429) the caller must retry; a
 * caller's own mistake (400, 401, 413 …) is an answer. API Gateway measures the same in AWS
 * (its 5xx and Count), where throttles before the function never reach this code.
 */
export function withEdgeMetrics(
  metrics: MetricsPort,
  handler: (event: HttpEvent) => Promise<HttpResult>,
): (event: HttpEvent) => Promise<HttpResult> {
  return async (event) => {
    const res = await handler(event);
    const status = res.statusCode ?? 200;
    metrics.addMetric('EdgeRequests', 'Count', 1);
    metrics.addMetric('EdgeAnswered', 'Count', status >= 500 || status === 429 ? 0 : 1);
    if (status === 429) metrics.addMetric('EdgeThrottled', 'Count', 1);
    metrics.publishStoredMetrics();
    return res;
  };
}
