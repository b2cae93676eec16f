import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { ObjectStoreDelivery } from '../../../src/adapters/object-store-delivery';
import type { ObjectStore } from '../../../src/ports/object-store';

describe('ObjectStoreDelivery (the raw archive in AWS)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-osd-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // In hour 10 the lowest origin is neither the first item's nor the last one's.
  const items = [
    { prefix: 'raw/dt=2026-03-01/hour=10/', line: '{"a":1}', origin: 'shardId-1/0007' },
    { prefix: 'raw/dt=2026-03-01/hour=11/', line: '{"b":2}', origin: 'shardId-1/0008' },
    { prefix: 'raw/dt=2026-03-01/hour=10/', line: '{"c":3}', origin: 'shardId-1/0005' },
    { prefix: 'raw/dt=2026-03-01/hour=10/', line: '{"d":4}', origin: 'shardId-1/0009' },
  ];

  it('writes one gzip object per prefix, named after its first origin, lines in order', async () => {
    const store = new FolderObjectStore(dir);
    const r = await new ObjectStoreDelivery(store).deliver(items);
    expect(r).toMatchObject({ failed: [], calls: 2 });
    expect(await store.list('raw/')).toEqual([
      'raw/dt=2026-03-01/hour=10/part-shardId-1-0005.ndjson.gz',
      'raw/dt=2026-03-01/hour=11/part-shardId-1-0008.ndjson.gz',
    ]);
    const body = gunzipSync(
      await readFile(join(dir, 'raw/dt=2026-03-01/hour=10/part-shardId-1-0005.ndjson.gz')),
    );
    expect(body.toString('utf8')).toBe('{"a":1}\n{"c":3}\n{"d":4}\n');
  });

  it('an item without an origin does not name the object: the lowest origin there is does', async () => {
    const store = new FolderObjectStore(dir);
    await new ObjectStoreDelivery(store).deliver([
      { prefix: 'raw/x/', line: '1', origin: 'shardId-1/0003' },
      { prefix: 'raw/x/', line: '2' },
      { prefix: 'raw/x/', line: '3', origin: 'shardId-1/0004' },
    ]);
    expect(await store.list('raw/x/')).toEqual(['raw/x/part-shardId-1-0003.ndjson.gz']);
  });

  it('a redelivered batch rewrites the same objects: nothing is stored twice', async () => {
    const store = new FolderObjectStore(dir);
    const d = new ObjectStoreDelivery(store);
    await d.deliver(items);
    await d.deliver(items);
    expect(await store.list('raw/')).toHaveLength(2);
  });

  it("a prefix whose object could not be written fails exactly that prefix's items, with the error", async () => {
    const inner = new FolderObjectStore(dir);
    const store: ObjectStore = {
      ...inner,
      list: (p) => inner.list(p),
      get: (k) => inner.get(k),
      remove: (k) => inner.remove(k),
      put: async (key, body) => {
        if (key.includes('hour=11')) throw new Error('SlowDown: reduce your request rate');
        return inner.put(key, body);
      },
    };
    const r = await new ObjectStoreDelivery(store).deliver(items);
    expect(r.failed).toEqual([1]);
    expect(r.lastError).toMatch(/SlowDown/);
  });
});
