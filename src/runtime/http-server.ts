import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { LoggerPort } from '../ports/telemetry';

/**
 * The embedded API Gateway: a Node HTTP server that turns each request into an HTTP API
 * (payload format 2.0) event, calls the same Lambda handler, and writes its result back.
 */
export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface HttpRoute {
  method: string | string[];
  /** API Gateway style path, e.g. '/v1/batch', '/webhooks/{provider}'. */
  path: string;
  handler: HttpHandler;
}

export interface HttpServerHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface CompiledRoute extends HttpRoute {
  regex: RegExp;
  params: string[];
  methods: Set<string>;
}

function compile(route: HttpRoute): CompiledRoute {
  const params: string[] = [];
  const pattern = route.path
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{(\w+)\+?\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
  const methods = new Set(
    (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase()),
  );
  return { ...route, regex: new RegExp(`^${pattern}/?$`), params, methods };
}

const BINARY_ENCODINGS = new Set(['gzip', 'deflate', 'br']);

function toEvent(req: IncomingMessage, body: Buffer, route: CompiledRoute, match: RegExpExecArray) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const pathParameters: Record<string, string> = {};
  route.params.forEach((name, i) => {
    // Malformed percent-encoding (/webhooks/%E0) is the caller's error, never a crash.
    pathParameters[name] = safeDecode(match[i + 1] ?? '');
  });
  const encoding = (headers['content-encoding'] ?? '').toLowerCase();
  const isBinary = BINARY_ENCODINGS.has(encoding) || body.includes(0) || !isUtf8(body);
  const now = new Date();
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: `${req.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: headers.cookie ? headers.cookie.split(/;\s*/) : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: route.params.length ? pathParameters : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${req.method} ${route.path}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? (isBinary ? body.toString('base64') : body.toString('utf8')) : undefined,
    isBase64Encoded: body.length > 0 && isBinary,
  };
  return event;
}

export class BadPathError extends Error {
  override name = 'BadPathError';
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new BadPathError(`the path segment "${part}" is not valid percent-encoding`);
  }
}

function isUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | number | boolean> = { ...(result.headers ?? {}) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies.join(', ');
  res.writeHead(result.statusCode ?? 200, headers as Record<string, string>);
  const body = result.body ?? '';
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function problem(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ success: false, error }));
}

export async function startHttpServer(opts: {
  port: number;
  host?: string;
  routes: HttpRoute[];
  /** Bytes read from a request at most (API Gateway's own limit is 10 MB). */
  maxBodyBytes?: number;
  logger?: LoggerPort;
  /** Why the server takes no more requests (answered 503 with it), or null while it does. */
  unavailable?: () => string | null;
}): Promise<HttpServerHandle> {
  const routes = opts.routes.map(compile);
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const server = createServer(
    { maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 },
    (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      const fail = (status: number, error: string) => {
        if (!res.headersSent && !res.writableEnded) problem(res, status, error);
      };
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) tooLarge = true;
        else chunks.push(c);
      });
      // An aborted or broken upload: answer if the socket still listens, never throw.
      req.on('error', () => fail(400, 'request stream error'));
      req.on('end', () => {
        // Everything below runs in an event callback: any throw would kill the process, so none escapes.
        try {
          const down = opts.unavailable?.();
          if (down) return fail(503, down);
          if (tooLarge) return fail(413, `request body exceeds ${maxBody} bytes`);
          const path = new URL(req.url ?? '/', 'http://localhost').pathname;
          const candidates = routes.filter((r) => r.regex.test(path));
          if (candidates.length === 0) return fail(404, `no route for ${path}`);
          const route = candidates.find((r) => r.methods.has(req.method ?? ''));
          if (!route) return fail(405, `${req.method} not allowed on ${path}`);
          const match = route.regex.exec(path) as RegExpExecArray;
          const event = toEvent(req, Buffer.concat(chunks), route, match);
          route.handler(event).then(
            (result) => {
              try {
                send(res, result);
              } catch (err) {
                opts.logger?.error('response failed', err instanceof Error ? err : { error: String(err) });
                fail(500, 'internal error');
              }
            },
            (err: unknown) => {
              opts.logger?.error('handler threw', err instanceof Error ? err : { error: String(err) });
              fail(500, 'internal error');
            },
          );
        } catch (err) {
          if (err instanceof BadPathError) return fail(400, err.message);
          opts.logger?.error('request failed', err instanceof Error ? err : { error: String(err) });
          fail(400, 'malformed request');
        }
      });
    },
  );
  // Malformed HTTP (bad method tokens, oversized headers, garbage): 400/431 and close, as Node's
  // default does, but never an unhandled error.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
