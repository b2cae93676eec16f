import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { listFiles } from '../../src/adapters/local/files';
import { FolderObjectStore } from '../../src/adapters/local/object-store';
import { DataQualityError } from '../../src/domain/errors';
import type { RawEnvelope } from '../../src/domain/event';
import { normalize } from '../../src/domain/normalize';
import { ARCHIVE_SINCE_KEY } from '../../src/domain/raw-archive';
import { writeJournal } from '../../src/domain/reprocess-journal';
import { runEtl } from '../../src/etl/runner';
import { createEnrichHandler } from '../../src/handlers/enrich';
import { emptyCounts } from '../../src/handlers/reprocess';
import { localPaths } from '../../src/paths';
import { fixedClock } from '../../src/ports/clock';
import { forgetLocal } from '../../src/runtime/forget';
import { drainStream, localEnrichDeps } from '../../src/runtime/local-enrich';
import { runBackfill } from '../../src/runtime/pipeline';
import { runReprocess } from '../../src/runtime/reprocess';
import { openWarehouse } from '../../src/warehouse/embedded';
import { segmentEnvelope } from '../helpers/kinesis';

/**
 * A normalizer bug found a month late: orders were stored at 100× their amount for three days
 * of March. The fix is the shipped normalizer; `reprocess` runs it over March's raw archive into a
 * new bronze version and rebuilds silver, gold and the warehouse, so March's revenue becomes what
 * the orders said. A person forgotten in between stays forgotten: their archived records can no
 * longer be opened.
 */
const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'];
const people = Array.from({ length: 15 }, (_, i) => `u${i + 1}`);
// Person i orders 10 × (i + 1) USD on day i % 3, and is identified (with an email) the same day.
const envelopes: RawEnvelope[] = people.flatMap((u, i) => {
  const at = `${DAYS[i % 3]}T10:${String(i).padStart(2, '0')}:00.000Z`;
  return [
    segmentEnvelope({
      type: 'identify',
      userId: u,
      messageId: `id-${u}`,
      traits: { email: `${u}@example.com` },
      timestamp: at,
    }),
    segmentEnvelope(
      {
        type: 'track',
        event: 'Order Completed',
        userId: u,
        messageId: `o-${u}`,
        timestamp: at,
        properties: { order_id: `A-${i}`, total: 10 * (i + 1), currency: 'USD' },
      },
      { trust: 'server', source: 'backend' },
    ),
  ].map((e) => ({ ...e, receivedAt: at }));
});
const FEB = '2026-02-27';
const february: RawEnvelope = {
  ...segmentEnvelope({
    type: 'page',
    name: 'Home',
    userId: 'u1',
    messageId: 'feb-1',
    timestamp: `${FEB}T09:00:00.000Z`,
  }),
  receivedAt: `${FEB}T09:00:00.000Z`,
};
const expectedGross = (day: string, without: string[] = []) =>
  people
    .map((u, i) => ({ u, i }))
    .filter(({ u, i }) => DAYS[i % 3] === day && !without.includes(u))
    .reduce((a, { i }) => a + 10 * (i + 1), 0);

/** The bug: an order's minor-unit amount multiplied by 100 again. */
const buggy: typeof normalize = (env) => {
  const out = normalize(env);
  if (!out.ok) return out;
  for (const e of out.events) {
    const p = e.properties as { amount?: number } | undefined;
    if (e.type === 'order_completed' && typeof p?.amount === 'number') p.amount *= 100;
  }
  return out;
};

async function grossByDay(dir: string): Promise<Record<string, number>> {
  const wh = await openWarehouse(dir, { readOnly: true });
  try {
    const rows = await wh.rows<{ dt: string; gross: string }>(
      `SELECT CAST(CAST(ordered_at AS DATE) AS VARCHAR) AS dt, CAST(sum(gross_usd) AS VARCHAR) AS gross
       FROM gold.fact_orders GROUP BY 1 ORDER BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.dt, Number(r.gross)]));
  } finally {
    wh.close();
  }
}

async function bronzeLines(lake: string): Promise<string[]> {
  const files = await listFiles(join(lake, 'bronze', 'events'), '.ndjson.gz');
  const out: string[] = [];
  for (const f of files)
    out.push(
      ...gunzipSync(await readFile(f))
        .toString('utf8')
        .split('\n')
        .filter(Boolean),
    );
  return out;
}

describe('reprocess: a normalizer fix reaches history', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-reprocess-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a planted revenue bug, fixed and reprocessed, corrects last month's gold and warehouse; a forgotten person stays gone", async () => {
    const paths = localPaths(dir);
    const stream = new FileEventStream(paths.stream);
    // The release with the archive is running since February (its first batch: one page view).
    const clock = fixedClock(`${FEB}T12:00:00.000Z`);
    const handler = createEnrichHandler({ ...localEnrichDeps(dir, { geo: false, clock }), normalize: buggy });
    const drain = async (batch: RawEnvelope[]) => {
      await stream.put(
        batch.map((e) => ({ partitionKey: String(e.eventId), data: Buffer.from(JSON.stringify(e)) })),
      );
      return drainStream({ stream, handler, checkpointFile: join(paths.state, 'enrich.checkpoint') });
    };
    expect((await drain([february])).delivered).toBe(1);
    clock.set('2026-03-04T01:00:00.000Z');
    const report = await drain(envelopes);
    expect(report.delivered).toBe(envelopes.length);

    // Every record is archived, sealed: no email of the input is readable in the archive.
    const archive = await listFiles(join(paths.lake, 'raw'), '.ndjson.gz');
    const archived = archive.flatMap((f) =>
      gunzipSync(require('node:fs').readFileSync(f)).toString('utf8').split('\n').filter(Boolean),
    );
    expect(archived).toHaveLength(envelopes.length + 1);
    expect(archived.join('\n')).not.toMatch(/@example\.com/);
    expect(new Set(archive.map((f) => /dt=(\d{4}-\d{2}-\d{2})/.exec(f)?.[1]))).toEqual(
      new Set([FEB, ...DAYS]),
    );

    const built = await runBackfill(DAYS[0] as string, DAYS[2] as string, { dataDir: dir });
    // A young lake: no model can be fitted yet, so the runs go on without scores and say so.
    expect(built.alerts.filter((a) => /failed/.test(a))).toEqual([]);
    expect(built.status).toBe('SUCCEEDED');
    // The bug is in March's warehouse: every day's revenue 100× what the orders said.
    expect(await grossByDay(dir)).toEqual(Object.fromEntries(DAYS.map((d) => [d, 100 * expectedGross(d)])));

    // u2 is forgotten before the fix ships.
    await forgetLocal({ dataDir: dir, request: { userId: 'u2' } });
    // Their archive lines go with them (each named its subject).
    const archiveAfter = (await listFiles(join(paths.lake, 'raw'), '.ndjson.gz')).flatMap((f) =>
      gunzipSync(require('node:fs').readFileSync(f)).toString('utf8').split('\n').filter(Boolean),
    );
    expect(archiveAfter).toHaveLength(envelopes.length + 1 - 2);
    expect(archiveAfter.some((l) => l.includes('"user_id:u2"'))).toBe(false);

    const run = await runReprocess({
      dataDir: dir,
      from: DAYS[0],
      to: DAYS[2],
      clock: fixedClock('2026-04-10T08:00:00.000Z'),
    });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    // March now says what the orders said; u2 (order 20.00 on the 2nd) is not back.
    expect(await grossByDay(dir)).toEqual(Object.fromEntries(DAYS.map((d) => [d, expectedGross(d, ['u2'])])));
    const bronze = await bronzeLines(paths.lake);
    expect(bronze.some((l) => l.includes('"u2"'))).toBe(false);
    // March's 30 events less u2's two, and February's page view (not in the range) as it was.
    expect(bronze).toHaveLength(envelopes.length - 2 + 1);

    // The journal reconciles: every archived record is stored again. u2's two are not among them:
    // forget removed their archive lines (their sealed text had no key left anyway).
    expect(run.journal).toMatchObject({
      state: 'done',
      from: DAYS[0],
      to: DAYS[2],
      counts: { records: envelopes.length - 2, erased: 0, delivered: envelopes.length - 2, quarantined: 0 },
    });
    // The previous version is kept aside (the bucket's noncurrent versions), not in bronze.
    const previous = await listFiles(join(paths.lake, 'previous-versions', 'bronze'), '.ndjson.gz');
    expect(previous.length).toBe(run.journal?.counts.retired);
    expect(previous.length).toBeGreaterThan(0);
  }, 600_000);

  it('refuses a range that is not whole days yet, and the ETL refuses days a reprocess is still writing', async () => {
    const paths = localPaths(dir);
    const today = await runReprocess({
      dataDir: dir,
      from: '2026-04-01',
      to: '2026-04-10',
      clock: fixedClock('2026-04-10T08:00:00.000Z'),
    });
    expect(today.status).toBe('FAILED');
    expect(today.alerts.join('\n')).toMatch(/--to 2026-04-10 is not a whole day yet/);

    // Nothing archived yet (a data folder from before the archive): nothing can be reprocessed.
    const clock = fixedClock('2026-04-10T08:00:00.000Z');
    const none = await runReprocess({ dataDir: dir, from: '2026-03-01', to: '2026-03-02', clock });
    expect(none.status).toBe('FAILED');
    expect(none.alerts.join('\n')).toMatch(/there is no raw archive yet/);
    // The archive began on March 2nd at noon: that day and those before hold records it never saw.
    await new FolderObjectStore(paths.lake).put(ARCHIVE_SINCE_KEY, '{"since": "2026-03-02T12:00:00.000Z"}');
    const early = await runReprocess({ dataDir: dir, from: '2026-03-02', to: '2026-03-05', clock });
    expect(early.status).toBe('FAILED');
    expect(early.alerts.join('\n')).toMatch(/--from must be 2026-03-03 or later/);
    expect(existsSync(join(paths.lake, 'reprocess'))).toBe(false);

    await writeJournal(new FolderObjectStore(paths.lake), {
      runId: 'r1',
      from: '2026-03-02',
      to: '2026-03-05',
      state: 'writing',
      startedAt: '2026-04-10T08:00:00.000Z',
      updatedAt: '2026-04-10T08:00:00.000Z',
      counts: emptyCounts(),
    });
    await expect(runEtl({ lakeDir: paths.lake, from: '2026-03-05', to: '2026-03-06' })).rejects.toThrow(
      /reprocess r1 is writing .*2026-03-02\.\.2026-03-05.*--resume r1/,
    );
    // A second run over any of those days is refused: each would retire what the other wrote.
    await new FolderObjectStore(paths.lake).put(ARCHIVE_SINCE_KEY, '{"since": "2026-02-01T00:00:00.000Z"}');
    const second = await runReprocess({ dataDir: dir, from: '2026-03-05', to: '2026-03-07', clock });
    expect(second.status).toBe('FAILED');
    expect(second.alerts.join('\n')).toMatch(/reprocess r1 is writing .*2026-03-02\.\.2026-03-05/);
    // Days outside the run pass the guard (and fail on what they hold: nothing arrived then).
    await expect(runEtl({ lakeDir: paths.lake, from: '2026-03-06', to: '2026-03-06' })).rejects.toThrow(
      DataQualityError,
    );
    expect(existsSync(join(paths.lake, 'reprocess', 'r1.json'))).toBe(true);
  }, 120_000);
});
