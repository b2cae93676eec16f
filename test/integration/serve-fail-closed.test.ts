import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../../src/cli/commands/serve';

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
