import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../../src/cli/commands/serve';
import { bronzeFiles } from '../../src/etl/runner';

/**
 * `c360 serve` fails closed (issue 26, defect 8): when its enrich mapping keeps failing (here its
 * checkpoint cannot be read or written), it stops for good, the server answers 503 with why and
 * what to do instead of accepting events nobody will read, and the command ends non-zero.
 */
/** One Segment track event to /v1/batch with the test's write key. */
const postTrack = (url: string) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from('k:').toString('base64')}`,
    },
    body: JSON.stringify({ batch: [{ type: 'track', event: 'x', userId: 'u', messageId: 'm1' }] }),
  });

describe('serve fails closed', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-failclosed-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  /** The server on the test's folder, its mapping polling fast. */
  const serve = () =>
    startServe({
      port: 0,
      dataDir: dir,
      writeKeys: { k: 'web' },
      geo: false,
      mapping: { pollIntervalMs: 5 },
    });

  it('once enrich has stopped for good, answers 503 naming the cause and what to do', async () => {
    // A folder where the checkpoint file should be: every read and write of it fails.
    mkdirSync(join(dir, 'state', 'enrich.checkpoint'), { recursive: true });
    const server = await serve();
    try {
      const reason = await server.failed;
      expect(reason).toMatch(/enrich stopped after repeated errors .*EISDIR.*restart c360 serve/);
      expect(server.mapping?.failure).toBeTruthy();
      const res = await postTrack(server.url);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toBe(reason);
    } finally {
      await server.close();
    }
  });

  it('a healthy server keeps answering (no false alarm)', async () => {
    const server = await serve();
    try {
      await new Promise((r) => setTimeout(r, 200));
      const res = await postTrack(server.url);
      expect(res.status).toBe(200);
      expect(server.mapping?.failure).toBeNull();
    } finally {
      await server.close();
    }
  });
});

describe('serve with its consumer in a process of its own (as the c360 CLI runs it)', () => {
  const root = join(__dirname, '../..');
  const cliDir = join(root, 'dist', 'serve-test');
  let dir: string;
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli-to', cliDir]);
  });
  afterAll(() => rm(cliDir, { recursive: true, force: true }));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-serve-proc-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('events posted reach bronze through the consumer process; when that process dies, serve answers 503', async () => {
    const server = await startServe({
      port: 0,
      dataDir: dir,
      writeKeys: { k: 'web' },
      geo: false,
      mapping: { batchingWindowMs: 50, pollIntervalMs: 20 },
      consumerProcess: join(cliDir, 'cli.mjs'),
    });
    try {
      expect(server.mapping).toBeNull();
      expect((await postTrack(server.url)).status).toBe(200);
      const lake = join(dir, 'lake');
      // Polled, as a caller would: the consumer is another process (no wall-clock limit but the suite's).
      let down: string | null = null;
      void server.failed.then((r) => {
        down = r;
      });
      while ((await bronzeFiles(lake)).length === 0 && down === null)
        await new Promise((r) => setTimeout(r, 50));
      expect(down).toBeNull();
      expect(await bronzeFiles(lake)).toHaveLength(1);
      server.consumer?.kill('SIGKILL');
      const reason = await server.failed;
      expect(reason).toMatch(/enrich stopped \(its process ended: SIGKILL\).*restart c360 serve/);
      expect((await postTrack(server.url)).status).toBe(503);
    } finally {
      await server.close();
    }
  });

  it('closing serve stops its consumer, which releases the data folder', async () => {
    const server = await startServe({
      port: 0,
      dataDir: dir,
      writeKeys: { k: 'web' },
      geo: false,
      consumerProcess: join(cliDir, 'cli.mjs'),
    });
    const child = server.consumer;
    await server.close();
    expect(child?.exitCode).toBe(0);
    // The folder is free: an in-process consumer can take it at once.
    const again = await startServe({ port: 0, dataDir: dir, writeKeys: { k: 'web' }, geo: false });
    await again.close();
  });
});
