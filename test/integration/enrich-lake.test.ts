import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { startServe } from '../../src/cli/commands/serve';
import type { CanonicalEvent, RawEnvelope } from '../../src/domain/event';
import { providerNormalizers } from '../../src/domain/normalize/providers';
import { fixedClock } from '../../src/ports/clock';
import { localPaths } from '../../src/runtime/local';
import { createLocalEnrichHandler, drainStream, localVaultKeys } from '../../src/runtime/local-enrich';
import { listQuarantineFiles, readQuarantineFile, replayQuarantine } from '../../src/runtime/quarantine';

async function bronzeEvents(lake: string): Promise<{ path: string; event: CanonicalEvent }[]> {
  const out: { path: string; event: CanonicalEvent }[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.gz')) {
        for (const l of gunzipSync(await readFile(p))
          .toString()
          .split('\n')
          .filter(Boolean)) {
          out.push({ path: p, event: JSON.parse(l) as CanonicalEvent });
        }
      }
    }
  };
  await walk(join(lake, 'bronze'));
  return out;
}

describe('serve → stream → enrich → lake (embedded)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-lake-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lands posted events enriched in partitions; bad ones in quarantine; counts reconcile; replay after a fix', async () => {
    const server = await startServe({ port: 0, dataDir: dir, writeKeys: { k: 'web' }, enrich: false });
    const batch = [
      {
        type: 'track',
        event: 'Signed Up',
        userId: 'u1',
        messageId: 'a',
        traits: { email: 'ada@example.com' },
        timestamp: '2026-03-01T12:30:00Z',
      },
      {
        type: 'page',
        anonymousId: 'anon-1',
        messageId: 'b',
        name: 'Home',
        timestamp: '2026-03-01T13:00:00Z',
      },
      { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'a', timestamp: '2026-03-01T12:30:00Z' },
    ];
    const res = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from('k:').toString('base64')}`,
      },
      body: JSON.stringify({ batch }),
    });
    expect(res.status).toBe(200);
    await server.close();

    // An event from a provider nobody normalizes yet goes straight onto the stream.
    const paths = localPaths(dir);
    const stream = new FileEventStream(paths.stream);
    const acme: RawEnvelope = {
      v: 1,
      kind: 'webhook',
      source: 'acme',
      provider: 'acme',
      receivedAt: '2026-03-01T14:00:00.000Z',
      requestId: 'r-acme',
      payload: { id: 'acme-1', customer: 'c-9', total: 1200 },
      eventId: 'acme-1',
    };
    await stream.put([{ partitionKey: 'acme-1', data: Buffer.from(JSON.stringify(acme)) }]);

    const clock = fixedClock('2026-03-01T14:00:05.000Z');
    const handler = createLocalEnrichHandler(dir, { clock, geo: false });
    const report = await drainStream({ stream, handler, checkpointFile: join(paths.state, 'cp') });

    expect(report).toMatchObject({
      records: 4,
      delivered: 2,
      duplicates: 1,
      quarantined: 1,
      failedRecords: 0,
    });
    expect(report.delivered + report.duplicates + report.quarantined).toBe(4);
    const events = await bronzeEvents(paths.lake);
    expect(events.map((e) => e.event.eventId).sort()).toEqual(['a', 'b']);
    const a = events.find((e) => e.event.eventId === 'a');
    // Bronze is partitioned by arrival (receivedAt), not by the event's own time.
    const arrived = a?.event.receivedAt ?? '';
    expect(a?.event.timestamp.slice(0, 10)).toBe('2026-03-01');
    expect(a?.path).toContain(
      `bronze/events/source=web/event_type=track/dt=${arrived.slice(0, 10)}/hour=${arrived.slice(11, 13)}/`,
    );
    expect(JSON.stringify(a?.event)).not.toContain('ada@example.com');
    const q = await listQuarantineFiles(paths.lake);
    expect(q.map((f) => f.reason)).toEqual(['unknown_type']);
    expect((await readQuarantineFile(q[0]!.path))[0]).toMatchObject({
      reason: 'unknown_type',
      source: 'acme',
    });

    // Draining again reads nothing new (checkpoint) and re-running the stream from scratch adds no rows (dedupe).
    expect((await drainStream({ stream, handler, checkpointFile: join(paths.state, 'cp') })).records).toBe(0);
    await drainStream({ stream, handler, checkpointFile: join(paths.state, 'cp2') });
    expect((await bronzeEvents(paths.lake)).length).toBe(2);

    // A normalizer for acme ships; replay moves the event from quarantine to bronze.
    providerNormalizers.acme = (env) => ({
      ok: true,
      events: [
        {
          eventId: 'acme-1',
          type: 'order_completed',
          event: 'acme.order',
          source: 'acme',
          kind: env.kind,
          userId: 'c-9',
          anonymousId: null,
          originalTimestamp: null,
          sentAt: null,
          receivedAt: env.receivedAt,
          context: {},
          properties: { orderId: 'acme-1', amount: 1200, currency: 'USD', status: 'paid' },
          traits: {},
          identities: [],
          requestId: env.requestId,
        },
      ],
    });
    try {
      const replay = await replayQuarantine({
        lakeDir: paths.lake,
        handler,
        now: () => clock.now(),
        keys: localVaultKeys(paths.state),
      });
      // The from-scratch re-drain quarantined acme again under the same file name (its origin in
      // the stream): one quarantine line, not two.
      expect(replay).toMatchObject({ files: 1, records: 1, passed: 1, duplicates: 0, stillFailing: 0 });
      expect(await listQuarantineFiles(paths.lake)).toEqual([]);
      expect((await bronzeEvents(paths.lake)).map((e) => e.event.eventId).sort()).toEqual([
        'a',
        'acme-1',
        'b',
      ]);
    } finally {
      delete providerNormalizers.acme;
    }
  });
});
