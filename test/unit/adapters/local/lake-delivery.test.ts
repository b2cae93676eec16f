import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LakeDelivery } from '../../../../src/adapters/local/lake-delivery';

/**
 * The embedded Firehose names a file after its first item's stream origin, so a batch
 * redelivered after a crash replaces the file the dead attempt wrote (issue 26, defect 3).
 */
describe('LakeDelivery', () => {
  let lake: string;
  beforeEach(async () => {
    lake = await mkdtemp(join(tmpdir(), 'c360-lake-'));
  });
  afterEach(() => rm(lake, { recursive: true, force: true }));

  const files = (prefix: string) => readdirSync(join(lake, prefix)).sort();
  const lines = (prefix: string) =>
    files(prefix).flatMap((f) =>
      gunzipSync(readFileSync(join(lake, prefix, f)))
        .toString()
        .split('\n')
        .filter(Boolean),
    );
  const item = (prefix: string, line: string, origin?: string) => ({
    prefix,
    line,
    ...(origin ? { origin } : {}),
  });

  it('a redelivered batch replaces what the first attempt wrote, under the first origin of each prefix', async () => {
    const d = new LakeDelivery(lake);
    const first = [
      item('a/', '{"n":2}', 'shard-1/0002'),
      item('a/', '{"n":1}', 'shard-1/0001'),
      item('b/', '{"n":3}', 'shard-1/0003'),
    ];
    expect(await d.deliver(first)).toEqual({ failed: [], calls: 2, retried: 0 });
    // The retry holds the same records and one more that arrived since.
    await new LakeDelivery(lake).deliver([...first, item('a/', '{"n":4}', 'shard-1/0004')]);
    expect(files('a/')).toEqual(['part-shard-1-0001.ndjson.gz']);
    expect(lines('a/')).toEqual(['{"n":2}', '{"n":1}', '{"n":4}']);
    expect(files('b/')).toEqual(['part-shard-1-0003.ndjson.gz']);
    // A later batch starts at a later record: a file of its own.
    await d.deliver([item('a/', '{"n":5}', 'shard-1/0005')]);
    expect(files('a/')).toEqual(['part-shard-1-0001.ndjson.gz', 'part-shard-1-0005.ndjson.gz']);
  });

  it('items without an origin get a name of their own each call', async () => {
    const d = new LakeDelivery(lake, () => new Date('2026-01-01T00:00:00Z'));
    await d.deliver([item('q/', '{"n":1}')]);
    await d.deliver([item('q/', '{"n":1}')]);
    expect(files('q/')).toHaveLength(2);
    expect(
      files('q/').every((f) => f.startsWith('part-20260101T000000000Z-') && f.endsWith('.ndjson.gz')),
    ).toBe(true);
    // One item without an origin among others: the file is not named by origin.
    await d.deliver([item('r/', '{"n":1}', 's/1'), item('r/', '{"n":2}')]);
    expect(files('r/')[0]).toMatch(/^part-20260101T000000000Z-/);
  });

  it('a prefix that cannot be written fails only its items, with the error', async () => {
    writeFileSync(join(lake, 'blocked'), 'a file where a folder should be');
    const r = await new LakeDelivery(lake).deliver([
      item('ok/', '{"n":1}', 's/1'),
      item('blocked/x/', '{"n":2}', 's/2'),
    ]);
    expect(r.failed).toEqual([1]);
    expect(r.lastError).toMatch(/EEXIST|ENOTDIR/);
    expect(lines('ok/')).toEqual(['{"n":1}']);
  });
});
