import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEventStream } from '../../../src/adapters/local/file-stream';
import { fixedClock } from '../../../src/ports/clock';

describe('FileEventStream', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-stream-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends records durably and reads them back in order, Kinesis-shaped', async () => {
    const stream = new FileEventStream(dir, fixedClock('2026-01-02T03:04:05Z'));
    await stream.put([
      { partitionKey: 'u1', data: Buffer.from('{"a":1}') },
      { partitionKey: 'u2', data: Buffer.from('{"a":2}') },
    ]);
    const reopened = new FileEventStream(dir);
    await reopened.put([{ partitionKey: 'u3', data: Buffer.from('{"a":3}') }]);

    const all = await reopened.read(null, 10);
    expect(all.map((r) => r.partitionKey)).toEqual(['u1', 'u2', 'u3']);
    expect(Buffer.from(all[0]!.data, 'base64').toString()).toBe('{"a":1}');
    expect(all[0]!.approximateArrivalTimestamp).toBe(Date.parse('2026-01-02T03:04:05Z'));
    const after = await reopened.read(all[0]!.sequenceNumber, 1);
    expect(after.map((r) => r.partitionKey)).toEqual(['u2']);
    expect(await reopened.read(all[2]!.sequenceNumber, 10)).toEqual([]);
  });

  const rec = (i: number) => ({ partitionKey: `k${i}`, data: Buffer.from(JSON.stringify({ i })) });

  it('several writers share one gap-free sequence (no record skipped by a checkpoint)', async () => {
    const a = new FileEventStream(dir);
    const b = new FileEventStream(dir);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put([rec(3 * i), rec(3 * i + 1), rec(3 * i + 2)])),
    );
    const all = await new FileEventStream(dir).read(null, 1000);
    expect(all).toHaveLength(60);
    expect(all.map((r) => Number(r.sequenceNumber))).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(all.map((r) => r.partitionKey)).size).toBe(60);
  });

  it('rolls segments and reads across them incrementally, from any checkpoint', async () => {
    const stream = new FileEventStream(dir, undefined, { segmentBytes: 600, durable: false });
    for (let i = 0; i < 30; i++) await stream.put([rec(i)]);
    const segments = (await readdir(dir)).filter((f) => f.startsWith('seg-'));
    expect(segments.length).toBeGreaterThan(3);
    const reader = new FileEventStream(dir);
    const seen: string[] = [];
    let checkpoint: string | null = null;
    for (;;) {
      const batch = await reader.read(checkpoint, 7);
      if (batch.length === 0) break;
      seen.push(...batch.map((r) => r.partitionKey));
      checkpoint = batch.at(-1)?.sequenceNumber ?? checkpoint;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}`));
    // A fresh reader (cold start) from a checkpoint in the middle of a segment.
    expect(
      (await new FileEventStream(dir).read('00000000000000000017', 3)).map((r) => r.partitionKey),
    ).toEqual(['k17', 'k18', 'k19']);
  });

  it('a line still being appended is not read until it is complete', async () => {
    const stream = new FileEventStream(dir);
    await stream.put([rec(1)]);
    const [segment] = (await readdir(dir)).filter((f) => f.startsWith('seg-'));
    await appendFile(join(dir, segment as string), '{"sequenceNumber":"000000000000000000');
    expect(await new FileEventStream(dir).read(null, 10)).toHaveLength(1);
  });

  it('trim deletes consumed segments older than the retention, never the active one', async () => {
    const stream = new FileEventStream(dir, fixedClock('2030-01-01T00:00:00Z'), {
      segmentBytes: 300,
      durable: false,
    });
    for (let i = 0; i < 10; i++) await stream.put([rec(i)]);
    const before = (await readdir(dir)).filter((f) => f.startsWith('seg-')).length;
    expect(await stream.trim('00000000000000000004', 0)).toBeGreaterThan(0);
    const left = await new FileEventStream(dir).read(null, 100);
    expect(Number(left[0]?.sequenceNumber)).toBeLessThanOrEqual(5);
    expect(left.at(-1)?.partitionKey).toBe('k9');
    expect((await readdir(dir)).filter((f) => f.startsWith('seg-')).length).toBeLessThan(before);
    expect(await stream.trim('00000000000000000010', 0)).toBeGreaterThanOrEqual(0);
    expect((await readdir(dir)).filter((f) => f.startsWith('seg-')).length).toBeGreaterThanOrEqual(1);
  });

  it('a data folder written before segments is read as the first segment', async () => {
    const legacy = [1, 2].map((i) =>
      JSON.stringify({
        sequenceNumber: String(i).padStart(20, '0'),
        partitionKey: `old${i}`,
        data: '',
        approximateArrivalTimestamp: 0,
        shardId: 'shardId-000000000000',
      }),
    );
    await writeFile(join(dir, 'shard-000000000000.ndjson'), `${legacy.join('\n')}\n`);
    const stream = new FileEventStream(dir);
    await stream.put([rec(3)]);
    expect((await stream.read(null, 10)).map((r) => [r.sequenceNumber.slice(-1), r.partitionKey])).toEqual([
      ['1', 'old1'],
      ['2', 'old2'],
      ['3', 'k3'],
    ]);
  });
});
