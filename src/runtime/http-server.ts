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
    pathParameters[name] = decodeURIComponent(match[i + 1] ?? '');
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
}): Promise<HttpServerHandle> {
  const routes = opts.routes.map(compile);
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => problem(res, 400, 'request stream error'));
    req.on('end', () => {
      if (tooLarge) return problem(res, 413, `request body exceeds ${maxBody} bytes`);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const candidates = routes.filter((r) => r.regex.test(path));
      if (candidates.length === 0) return problem(res, 404, `no route for ${path}`);
      const route = candidates.find((r) => r.methods.has(req.method ?? ''));
      if (!route) return problem(res, 405, `${req.method} not allowed on ${path}`);
      const match = route.regex.exec(path) as RegExpExecArray;
      const event = toEvent(req, Buffer.concat(chunks), route, match);
      route.handler(event).then(
        (result) => send(res, result),
        (err: unknown) => {
          opts.logger?.error('handler threw', err instanceof Error ? err : { error: String(err) });
          problem(res, 500, 'internal error');
        },
      );
    });
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
