import { createServer, request, type Server } from 'node:http';

/**
 * A loopback proxy in front of the emulator that counts AWS API calls by operation (the JSON
 * protocols' X-Amz-Target, the query protocols' Action, else method and path), so a test can
 * assert how many calls a function bundle made, whatever process it runs in.
 */
export interface CountingProxy {
  endpoint: string;
  counts: Map<string, number>;
  reset(): void;
  count(prefix: string): number;
  close(): Promise<void>;
}

export async function countingProxy(target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const amzTarget = req.headers['x-amz-target'];
      const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('latin1'))?.[1];
      let op =
        typeof amzTarget === 'string'
          ? amzTarget
          : action
            ? `Query.${action}`
            : `${req.method} ${req.url?.split('?')[0]}`;
      // DynamoDB calls are counted per table (the vault's tables apart from dedupe's).
      if (op.startsWith('DynamoDB_')) {
        const input = JSON.parse(body.toString('utf8') || '{}') as {
          TableName?: string;
          RequestItems?: object;
        };
        op += `:${input.TableName ?? Object.keys(input.RequestItems ?? {}).join(',')}`;
      }
      counts.set(op, (counts.get(op) ?? 0) + 1);
      const fwd = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    reset: () => counts.clear(),
    count: (prefix) => [...counts].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
