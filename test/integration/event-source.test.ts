import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import type { KinesisStreamEvent } from 'aws-lambda';
import { MemoryEventStream } from '../../src/adapters/local/file-stream';
import { startServe } from '../../src/cli/commands/serve';
import { bronzeFiles } from '../../src/etl/runner';
import type { OnFailureRecord } from '../../src/ports/redrive';
import { EventSourceMapping } from '../../src/runtime/event-source';

const seqOf = (e: KinesisStreamEvent) => e.Records.map((r) => r.kinesis.sequenceNumber);

async function streamOf(n: number) {
  const stream = new MemoryEventStream();
  await stream.put(
    Array.from({ length: n }, (_, i) => ({ partitionKey: `k${i}`, data: Buffer.from(`{"i":${i}}`) })),
  );
  return stream;
}

describe('embedded event source mapping (Kinesis → enrich semantics)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-esm-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an event posted to c360 serve alone is in bronze within seconds', async () => {
    const server = await startServe({
      port: 0,
      dataDir: dir,
      writeKeys: { 'sdk-key': 'web' },
      geo: false,
      mapping: { batchingWindowMs: 50, pollIntervalMs: 50 },
    });
    try {
      const analytics = new Analytics({ writeKey: 'sdk-key', host: server.url, flushAt: 1, maxRetries: 0 });
      analytics.track({ userId: 'u-1', event: 'Product Viewed', properties: { sku: 'A' } });
      await analytics.closeAndFlush({ timeout: 5_000 });
      const lake = join(dir, 'lake');
      const deadline = Date.now() + 10_000;
      while ((await bronzeFiles(lake)).length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(await bronzeFiles(lake)).toHaveLength(1);
      expect(server.mapping?.stats.records).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('partial batch failure: the checkpoint stops before the failed record, which is retried', async () => {
    const stream = await streamOf(5);
    const seen: string[][] = [];
    let failOnce = true;
    const mapping = new EventSourceMapping({
      stream,
      checkpointFile: join(dir, 'cp'),
      onFailure: { send: async () => {} },
      batchSize: 10,
      handler: async (e) => {
        seen.push(seqOf(e));
        if (failOnce) {
          failOnce = false;
          return { batchItemFailures: [{ itemIdentifier: e.Records[3]?.kinesis.sequenceNumber as string }] };
        }
        return { batchItemFailures: [] };
      },
    });
    const stats = await mapping.drain();
    expect(seen.map((b) => b.map(Number))).toEqual([
      [1, 2, 3, 4, 5],
      [4, 5],
    ]);
    expect(stats).toMatchObject({ records: 5, retried: 2, sentToOnFailure: 0 });
    expect(await readFile(join(dir, 'cp'), 'utf8')).toBe('00000000000000000005');
  });

  it('a poison record: the batch is bisected down to it, only it reaches the on-failure destination', async () => {
    const stream = await streamOf(8);
    const failures: OnFailureRecord[] = [];
    const handled = new Set<string>();
    const mapping = new EventSourceMapping({
      stream,
      checkpointFile: join(dir, 'cp'),
      onFailure: { send: async (r) => void failures.push(r) },
      batchSize: 8,
      maximumRetryAttempts: 2,
      handler: async (e) => {
        if (seqOf(e).includes('00000000000000000006')) throw new Error('poison');
        for (const s of seqOf(e)) handled.add(s);
        return { batchItemFailures: [] };
      },
    });
    const stats = await mapping.drain();
    expect([...handled].map(Number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 7, 8]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
        functionError: 'poison',
      },
      KinesisBatchInfo: {
        startSequenceNumber: '00000000000000000006',
        endSequenceNumber: '00000000000000000006',
        batchSize: 1,
      },
    });
    expect(stats.sentToOnFailure).toBe(1);
    expect(await readFile(join(dir, 'cp'), 'utf8')).toBe('00000000000000000008');
    expect(existsSync(join(dir, 'cp'))).toBe(true);
  });
});
