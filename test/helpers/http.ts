import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An API Gateway HTTP API (v2) event, as the embedded server and API Gateway build it. */
export function apiEvent(opts: {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  query?: string;
  pathParameters?: Record<string, string>;
  gzip?: boolean;
  sourceIp?: string;
}): APIGatewayProxyEventV2 {
  let body: Buffer | undefined =
    opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.gzip && body) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  const binary = opts.gzip === true;
  return {
    version: '2.0',
    routeKey: `${opts.method ?? 'POST'} ${opts.path}`,
    rawPath: opts.path,
    rawQueryString: opts.query ?? '',
    headers,
    queryStringParameters: opts.query ? Object.fromEntries(new URLSearchParams(opts.query)) : undefined,
    pathParameters: opts.pathParameters,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: opts.method ?? 'POST',
        path: opts.path,
        protocol: 'HTTP/1.1',
        sourceIp: opts.sourceIp ?? '203.0.113.7',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: 'req-test',
      routeKey: `${opts.method ?? 'POST'} ${opts.path}`,
      stage: '$default',
      time: '2026-01-01T10:00:02.000Z',
      timeEpoch: Date.parse('2026-01-01T10:00:02.000Z'),
    },
    body: body === undefined ? undefined : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: binary,
  };
}

export function basic(writeKey: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
}

export function parseBody(result: { body?: string }): Record<string, unknown> {
  return JSON.parse(result.body ?? '{}') as Record<string, unknown>;
}
