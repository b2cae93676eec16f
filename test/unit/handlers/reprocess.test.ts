import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FileVaultStore } from '../../../src/adapters/local/file-vault';
import { LocalKeyWrapper } from '../../../src/adapters/local/local-key-wrapper';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { PiiVault } from '../../../src/domain/privacy/vault';
import { ARCHIVE_SINCE_KEY, archiveLine, sealRaw } from '../../../src/domain/raw-archive';
import { assertNoReprocessWriting, readJournal, writeJournal } from '../../../src/domain/reprocess-journal';
import { emptyStats } from '../../../src/handlers/enrich';
import {
  createReprocessHandler,
  emptyCounts,
  ReprocessRangeError,
  runIdOf,
} from '../../../src/handlers/reprocess';
import { fixedClock } from '../../../src/ports/clock';

/**
 * The reprocess steps over a real folder store, with an enrich stage that stores each record's
 * text as one bronze line of its arrival day (the stage itself is tested on its own): what a step
 * refuses, what retire removes (only the previous version of the run's days), how a day pages.
 */
const DAY = '2026-03-02';
const bronze = (day: string, name: string) =>
  `bronze/events/source=web/event_type=track/dt=${day}/hour=10/${name}`;

describe('reprocess steps', () => {
  let dir: string;
  let lake: FolderObjectStore;
  let keys: LocalKeyWrapper;
  let vault: PiiVault;
  const clock = fixedClock('2026-03-10T08:00:00.000Z');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-reprocess-unit-'));
    lake = new FolderObjectStore(join(dir, 'lake'), join(dir, 'lake', 'previous-versions'));
    keys = new LocalKeyWrapper(randomBytes(32));
    vault = new PiiVault(new FileVaultStore(join(dir, 'vault')), keys);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const batches: number[] = [];
  const handler = (objectsPerCall = 20, opts: { batchSize?: number; failing?: boolean } = {}) =>
    createReprocessHandler({
      lake,
      privacy: { vault, keys },
      // Each record's text becomes one bronze line; a record saying "dup" or "bad" is counted so.
      enrichInto: (delivery) => ({
        process: async (records) => {
          batches.push(records.length);
          const stats = emptyStats(records.length);
          const texts = records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
          stats.duplicates = texts.filter((t) => t.includes('dup')).length;
          stats.quarantined = texts.filter((t) => t.includes('bad')).length;
          const kept = texts.filter((t) => !t.includes('dup') && !t.includes('bad'));
          await delivery.deliver(
            kept.map((line) => ({
              prefix: `bronze/events/source=web/event_type=track/dt=${DAY}/hour=10/`,
              line,
            })),
          );
          stats.delivered = kept.length;
          return { failed: new Set<number>(opts.failing ? [0] : []), stats };
        },
      }),
      clock,
      logger: { info: () => {}, warn: () => {}, error: () => {} } as never,
      objectsPerCall,
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    });

  const archive = async (key: string, texts: string[], subject: string | null = 'user_id:u1') => {
    const sealed = await sealRaw(
      vault,
      keys,
      undefined,
      texts.map((text, i) => ({ text, receivedAt: `${DAY}T10:00:00.000Z`, origin: `${key}/${i}`, subject })),
    );
    await lake.put(key, gzipSync(`${sealed.map(archiveLine).join('\n')}\n`));
  };

  it('plan refuses what cannot be reprocessed whole, each with what to do', async () => {
    const step = handler();
    const plan = (input: Record<string, string>) => step({ step: 'plan', input, execution: 'run-1' });
    await expect(plan({ from: '2026-3-1', to: DAY })).rejects.toThrow(/must be dates \(YYYY-MM-DD\)/);
    await expect(plan({ from: '2026-03-05', to: DAY })).rejects.toThrow(
      '--from 2026-03-05 is after --to 2026-03-02',
    );
    await expect(plan({ from: DAY, to: '2026-03-10' })).rejects.toThrow(
      /--to 2026-03-10 is not a whole day yet/,
    );
    await expect(plan({ from: DAY, to: DAY })).rejects.toThrow(/there is no raw archive yet/);
    await lake.put(ARCHIVE_SINCE_KEY, JSON.stringify({ since: `${DAY}T09:00:00.000Z` }));
    await expect(plan({ from: DAY, to: DAY })).rejects.toThrow(/--from must be 2026-03-03 or later/);
    await expect(plan({ runId: 'nope' })).rejects.toThrow(ReprocessRangeError);
    // Nothing was started by any of them.
    expect(await lake.list('reprocess/')).toEqual([]);
  });

  it("plan starts a run (journal: writing) that a second run over any of its days cannot overlap; a resume takes the run's own range", async () => {
    await lake.put(ARCHIVE_SINCE_KEY, JSON.stringify({ since: '2026-02-01T00:00:00.000Z' }));
    const step = handler();
    expect(
      await step({
        step: 'plan',
        input: { from: '2026-03-01', to: DAY },
        execution: 'arn:x:execution:m:run-1',
      }),
    ).toEqual({
      runId: 'run-1',
      from: '2026-03-01',
      to: DAY,
      dates: ['2026-03-01', DAY],
    });
    expect(await readJournal(lake, 'run-1')).toMatchObject({ state: 'writing', from: '2026-03-01', to: DAY });
    await expect(
      step({ step: 'plan', input: { from: DAY, to: '2026-03-04' }, execution: 'run-2' }),
    ).rejects.toThrow(/reprocess run-1 is writing .*2026-03-01\.\.2026-03-02/);
    // Not overlapping: allowed.
    await expect(
      step({ step: 'plan', input: { from: '2026-03-03', to: '2026-03-04' }, execution: 'run-3' }),
    ).resolves.toMatchObject({
      runId: 'run-3',
    });
    expect(await step({ step: 'plan', input: { runId: 'run-1' }, execution: 'resume-1' })).toMatchObject({
      runId: 'run-1',
      dates: ['2026-03-01', DAY],
    });
  });

  it('a day pages through its archive objects; forgotten records are counted, not stored; a retry rewrites the same objects', async () => {
    await lake.put(ARCHIVE_SINCE_KEY, JSON.stringify({ since: '2026-02-01T00:00:00.000Z' }));
    await archive(`raw/dt=${DAY}/hour=10/part-a.ndjson.gz`, ['{"n":1}', '{"n":2}']);
    await archive(`raw/dt=${DAY}/hour=11/part-b.ndjson.gz`, ['{"n":3}'], 'user_id:gone');
    await vault.shred('user_id:gone');
    await archive(`raw/dt=2026-03-03/hour=10/part-c.ndjson.gz`, ['{"other":"day"}']);
    const step = handler(1);
    await step({ step: 'plan', input: { from: DAY, to: DAY }, execution: 'run-1' });
    const first = await step({ step: 'day', runId: 'run-1', date: DAY, after: null });
    expect(first).toMatchObject({
      done: false,
      after: `raw/dt=${DAY}/hour=10/part-a.ndjson.gz`,
      counts: { records: 2, delivered: 2 },
    });
    const second = await step({
      step: 'day',
      runId: 'run-1',
      date: DAY,
      after: (first as { after: string }).after,
    });
    expect(second).toMatchObject({ done: true, counts: { records: 1, erased: 1, delivered: 0 } });
    const again = await step({ step: 'day', runId: 'run-1', date: DAY, after: null });
    expect(again).toMatchObject({ done: false, counts: { records: 2 } });
    const written = (await lake.list('bronze/')).filter((k) => k.includes('/reprocess-run-1-'));
    expect(written).toHaveLength(1);
    expect(gunzipSync(await lake.get(written[0] as string)).toString('utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it('a day runs the archive through enrich in batches of its size; a batch enrich could not store fails the step', async () => {
    await lake.put(ARCHIVE_SINCE_KEY, JSON.stringify({ since: '2026-02-01T00:00:00.000Z' }));
    await archive(`raw/dt=${DAY}/hour=10/part-a.ndjson.gz`, ['{"n":1}', '{"n":"dup"}', '{"n":"bad"}']);
    const step = handler(20, { batchSize: 2 });
    await step({ step: 'plan', input: { from: DAY, to: DAY }, execution: 'run-1' });
    batches.length = 0;
    expect(await step({ step: 'day', runId: 'run-1', date: DAY, after: null })).toMatchObject({
      done: true,
      counts: { records: 3, delivered: 1, duplicates: 1, quarantined: 1, written: 1 },
    });
    expect(batches).toEqual([2, 1]);
    const written = (await lake.list('bronze/')).filter((k) => k.includes('/reprocess-'));
    expect(written).toEqual([expect.stringMatching(/\/reprocess-run-1-[0-9a-f]{16}\.ndjson\.gz$/)]);
    expect(gunzipSync(await lake.get(written[0] as string)).toString('utf8')).toBe('{"n":1}\n');
    await expect(
      handler(20, { failing: true })({ step: 'day', runId: 'run-1', date: DAY, after: null }),
    ).rejects.toThrow(/1 records of raw\/dt=2026-03-02\/hour=10\/part-a\.ndjson\.gz were not stored/);
  });

  it('run ids come from execution names, safe in keys; a name with none is refused', () => {
    expect(runIdOf('arn:aws:states:us-east-1:1:execution:c360-reprocess:march fix/2')).toBe('march-fix-2');
    expect(runIdOf(`x:${'a'.repeat(80)}`)).toBe('a'.repeat(60));
    expect(() => runIdOf('arn:aws:states:us-east-1:1:execution:m:')).toThrow(/gives no run id/);
  });

  it("the ETL's guard: only a run still writing blocks its days, from its first day to its last", async () => {
    const j = {
      runId: 'r1',
      from: '2026-03-02',
      to: '2026-03-05',
      state: 'writing' as const,
      startedAt: '',
      updatedAt: '',
      counts: emptyCounts(),
    };
    await writeJournal(lake, j);
    // A run's own object counts beside its journal are not journals.
    await lake.put('reprocess/r1/objects/abc.json', '{"key":"x","counts":{}}');
    await expect(assertNoReprocessWriting(lake, '2026-03-01', '2026-03-02')).rejects.toThrow(
      /reprocess r1 is writing/,
    );
    await expect(assertNoReprocessWriting(lake, '2026-03-05', '2026-03-09')).rejects.toThrow(
      /reprocess r1 is writing/,
    );
    await expect(assertNoReprocessWriting(lake, '2026-03-06', '2026-03-09')).resolves.toBeUndefined();
    await expect(assertNoReprocessWriting(lake, '2026-02-20', '2026-03-01')).resolves.toBeUndefined();
    for (const state of ['retired', 'done'] as const) {
      await writeJournal(lake, { ...j, state });
      await expect(assertNoReprocessWriting(lake, '2026-03-01', '2026-03-09')).resolves.toBeUndefined();
    }
  });

  it("retire removes only the previous version of the run's days (kept aside), once; finish sums the counts and refuses to run before retire", async () => {
    await lake.put(ARCHIVE_SINCE_KEY, JSON.stringify({ since: '2026-02-01T00:00:00.000Z' }));
    await archive(`raw/dt=${DAY}/hour=10/part-a.ndjson.gz`, ['{"n":1}']);
    const step = handler();
    await step({ step: 'plan', input: { from: DAY, to: DAY }, execution: 'run-1' });
    await lake.put(bronze(DAY, 'part-old.ndjson.gz'), gzipSync('old\n'));
    await lake.put(bronze(DAY, 'reprocess-run-0-x.ndjson.gz'), gzipSync('an older reprocess\n'));
    await lake.put(bronze('2026-03-01', 'part-keep.ndjson.gz'), gzipSync('another day\n'));
    await step({ step: 'day', runId: 'run-1', date: DAY, after: null });
    await expect(step({ step: 'finish', runId: 'run-1' })).rejects.toThrow(
      /has not retired its previous bronze version/,
    );
    expect(await step({ step: 'retire', runId: 'run-1' })).toMatchObject({ retired: 2 });
    expect(await readJournal(lake, 'run-1')).toMatchObject({ state: 'retired', counts: { retired: 2 } });
    const left = await lake.list('bronze/');
    expect(left.filter((k) => k.includes(`dt=${DAY}`)).every((k) => k.includes('/reprocess-run-1-'))).toBe(
      true,
    );
    expect(left).toContain(bronze('2026-03-01', 'part-keep.ndjson.gz'));
    const kept = new FolderObjectStore(join(dir, 'lake', 'previous-versions'));
    expect((await kept.list('bronze/')).map((k) => k.slice(k.lastIndexOf('/') + 1)).sort()).toEqual([
      'part-old.ndjson.gz',
      'reprocess-run-0-x.ndjson.gz',
    ]);
    // Retire again (a resumed run): nothing more goes.
    expect(await step({ step: 'retire', runId: 'run-1' })).toMatchObject({ retired: 2 });
    expect((await kept.list('bronze/')).length).toBe(2);
    const done = await step({ step: 'finish', runId: 'run-1' });
    expect(done).toMatchObject({
      state: 'done',
      counts: { objects: 1, records: 1, delivered: 1, retired: 2, written: 1 },
    });
    // A day of a run past writing does nothing.
    expect(await step({ step: 'day', runId: 'run-1', date: DAY, after: null })).toMatchObject({
      done: true,
      counts: { records: 0 },
    });
  });
});
