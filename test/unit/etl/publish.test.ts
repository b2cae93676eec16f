import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYED_VERSION_FILE, publish, recoverInterruptedRuns, stagingRoot } from '../../../src/etl/publish';

/**
 * The ETL's publish journal (issue 26, defect 4): what a crash between two renames leaves is
 * finished by the next run, whatever step it stopped at; staging that never reached its publish
 * goes. (test/crash kills real runs inside the publish; this covers each state a journal can be in.)
 */
describe('ETL publish journal', () => {
  let lake: string;
  beforeEach(async () => {
    lake = await mkdtemp(join(tmpdir(), 'c360-publish-'));
  });
  afterEach(() => rm(lake, { recursive: true, force: true }));

  const put = (rel: string, text: string) => {
    mkdirSync(join(lake, rel, '..'), { recursive: true });
    writeFileSync(join(lake, rel), text);
  };
  const read = (rel: string) => (existsSync(join(lake, rel)) ? readFileSync(join(lake, rel), 'utf8') : null);
  const journal = (run: string, ops: unknown[]) =>
    put(`_staging/${run}/PUBLISH.json`, JSON.stringify({ run: `_staging/${run}`, ops }));

  it('publish replaces the touched partitions and whole tables, drops a touched partition left empty', async () => {
    put('silver/events/dt=2026-01-01/part.parquet', 'old 1');
    put('silver/events/dt=2026-01-02/part.parquet', 'old 2');
    put('silver/events/dt=2026-01-03/part.parquet', 'untouched');
    put('gold/t/data.parquet', 'old table');
    put('_staging/run-1/silver/events/dt=2026-01-01/part.parquet', 'new 1');
    put('_staging/run-1/gold/t/data.parquet', 'new table');
    await publish(lake, join(lake, '_staging', 'run-1'), [
      {
        kind: 'partitions',
        staged: join(lake, '_staging/run-1/silver/events'),
        target: join(lake, 'silver/events'),
        dts: ['2026-01-01', '2026-01-02'],
      },
      {
        kind: 'file',
        staged: join(lake, '_staging/run-1/gold/t/data.parquet'),
        target: join(lake, 'gold/t/data.parquet'),
        version: 'v9',
      },
    ]);
    expect(read('silver/events/dt=2026-01-01/part.parquet')).toBe('new 1');
    expect(read('silver/events/dt=2026-01-02/part.parquet')).toBeNull();
    expect(read('silver/events/dt=2026-01-03/part.parquet')).toBe('untouched');
    expect(read('gold/t/data.parquet')).toBe('new table');
    expect(read(`gold/t/${KEYED_VERSION_FILE}`)).toBe('v9\n');
    expect(existsSync(join(lake, '_staging', 'run-1'))).toBe(false);
  });

  it('a journal found after a crash is carried out to the end, whatever step the crash came at', async () => {
    // dt=01 already moved (staging empty for it), dt=02 not yet (old still in place), dt=03 to
    // remove, a table not yet renamed, and its version not yet written.
    put('silver/events/dt=2026-01-01/part.parquet', 'new 1');
    put('silver/events/dt=2026-01-02/part.parquet', 'old 2');
    put('_staging/run-1/silver/events/dt=2026-01-02/part.parquet', 'new 2');
    put('silver/events/dt=2026-01-03/part.parquet', 'old 3');
    put('gold/t/data.parquet', 'old table');
    put(`gold/t/${KEYED_VERSION_FILE}`, 'v1\n');
    put('_staging/run-1/gold/t/data.parquet', 'new table');
    journal('run-1', [
      {
        kind: 'dir',
        target: 'silver/events/dt=2026-01-01',
        staged: '_staging/run-1/silver/events/dt=2026-01-01',
      },
      {
        kind: 'dir',
        target: 'silver/events/dt=2026-01-02',
        staged: '_staging/run-1/silver/events/dt=2026-01-02',
      },
      { kind: 'dir', target: 'silver/events/dt=2026-01-03', staged: null },
      {
        kind: 'file',
        target: 'gold/t/data.parquet',
        staged: '_staging/run-1/gold/t/data.parquet',
        version: null,
      },
    ]);
    // A run that died before its publish: staging without a journal.
    put('_staging/run-2/silver/events/dt=2026-01-09/part.parquet', 'never published');

    expect(await recoverInterruptedRuns(lake)).toEqual({ rolledForward: 1, removed: 1 });
    expect(read('silver/events/dt=2026-01-01/part.parquet')).toBe('new 1');
    expect(read('silver/events/dt=2026-01-02/part.parquet')).toBe('new 2');
    expect(existsSync(join(lake, 'silver/events/dt=2026-01-03'))).toBe(false);
    expect(existsSync(join(lake, 'silver/events/dt=2026-01-09'))).toBe(false);
    expect(read('gold/t/data.parquet')).toBe('new table');
    // The run wrote no version: the stale one goes (its rows were not written by that SQL).
    expect(read(`gold/t/${KEYED_VERSION_FILE}`)).toBeNull();
    expect(existsSync(stagingRoot(lake))).toBe(false);
    // Run again: nothing left to do, nothing changes.
    expect(await recoverInterruptedRuns(lake)).toEqual({ rolledForward: 0, removed: 0 });
    expect(readdirSync(join(lake, 'silver/events')).sort()).toEqual(['dt=2026-01-01', 'dt=2026-01-02']);
  });
});
