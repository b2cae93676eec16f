import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { startServe } from '../../src/cli/commands/serve';

/**
 * The real `c360 serve` HTTP server over loopback, fed malformed input: it answers 4xx or closes
 * the connection, and keeps serving. (The handler-level fuzz is test/fuzz/ingest-handler.test.ts.)
 */
function raw(port: number, payload: string | Buffer, opts: { abortAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const done = () => resolve(out);
    socket.on('data', (d) => {
      out += d.toString('latin1');
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.setTimeout(3000, () => socket.destroy());
    socket.write(payload);
    if (opts.abortAfterMs !== undefined) setTimeout(() => socket.destroy(), opts.abortAfterMs);
  });
}
const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe('c360 serve survives malformed requests', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-fuzz-'));
    server = await startServe({ port: 0, dataDir: dir, enrich: false });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const alive = async () => {
    const res = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('c360-local-write-key:').toString('base64')}` },
      body: JSON.stringify({ batch: [{ type: 'track', event: 'Ping', userId: 'u', messageId: 'alive' }] }),
    });
    expect(res.status).toBe(200);
  };

  it('answers malformed percent-encoding in a path with 400', async () => {
    for (const path of ['/webhooks/%E0', '/webhooks/%', '/postbacks/%E0%A4/x', '/postbacks/adjust/%ZZ']) {
      const res = await raw(
        server.port,
        `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`,
      );
      expect(statusOf(res)).toBe(400);
    }
    await alive();
  });

  it('bad methods, oversized headers, garbage and aborted uploads get a 4xx or a closed connection', async () => {
    expect(
      statusOf(await raw(server.port, 'BREW /v1/batch HTTP/1.1\r\nhost: x\r\n\r\n')),
    ).toBeGreaterThanOrEqual(400);
    expect(
      statusOf(await raw(server.port, `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(40_000)}\r\n\r\n`)),
    ).toBe(431);
    expect(statusOf(await raw(server.port, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10])))).toBe(400);
    // Headers promise 1 MB, a few bytes come, then the client hangs up.
    await raw(
      server.port,
      'POST /v1/batch HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n{"batch":[',
      { abortAfterMs: 20 },
    );
    await alive();
  });

  it('random request lines and paths never kill the server (bounded fuzz)', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('%', '%E0', '%C3%28', '%FF', '..', '%2F', 'webhooks', 'postbacks', 'v1', 'batch'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'OPTIONS', 'DELETE', 'X'),
        fc.array(segment, { maxLength: 4 }),
        async (method, parts) => {
          const path = `/${parts.map((p) => p.replace(/[\s\r\n]/g, '')).join('/')}`;
          const res = await raw(
            server.port,
            `${method} ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
          );
          const status = statusOf(res);
          // 0 = connection closed without an answer (unparseable request line): allowed.
          expect(status === 0 || (status >= 200 && status < 500)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    await alive();
  });
});
