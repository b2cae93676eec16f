import { mkdtemp, rm } from 'node:fs/promises';
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
});
