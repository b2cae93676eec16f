import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEventStream, MemoryEventStream } from '../../../../src/adapters/local/file-stream';
import { fixedClock } from '../../../../src/ports/clock';
import { ingestBatchFile } from '../../../../src/runtime/batch-ingest';

/**
 * Embedded files that hold personal data in clear (the stream's segments, landed batch files and
 * their reject reports) are owner-only, as the vault's key and entries are: 0600 files in 0700
 * folders, whatever the umask leaves for other files.
 */
const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('clear personal data on disk is owner-only', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-private-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('the stream folder, its segments and its head', async () => {
    const streamDir = join(dir, 'stream');
    const stream = new FileEventStream(streamDir);
    await stream.put([{ partitionKey: 'u1', data: Buffer.from('{"email":"ada@example.com"}') }]);
    expect(await mode(streamDir)).toBe(0o700);
    const files = (await readdir(streamDir)).filter((f) => !f.startsWith('.'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect({ f, mode: await mode(join(streamDir, f)) }).toEqual({ f, mode: 0o600 });
  });

  it('a landed batch file and its reject report', async () => {
    const file = join(dir, 'orders.csv');
    await writeFile(
      file,
      'order_id,customer_id,ordered_at,amount,currency,email\no1,u1,2026-04-01T10:00:00Z,19.99,EUR,ada@example.com\no2,u2,2026-04-01,abc,EUR,x@y.org\n',
      {
        mode: 0o644,
      },
    );
    const lake = join(dir, 'lake');
    const r = await ingestBatchFile({
      file,
      kind: 'orders',
      lakeDir: lake,
      stream: new MemoryEventStream(),
      clock: fixedClock('2026-05-01T00:00:00.000Z'),
    });
    expect(await mode(r.landedAt)).toBe(0o600);
    expect(await mode(join(lake, 'landing', 'orders', 'dt=2026-05-01'))).toBe(0o700);
    expect(r.errorsFile).not.toBeNull();
    expect(await mode(r.errorsFile as string)).toBe(0o600);
  });
});
