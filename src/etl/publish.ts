import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { replaceFile, syncDir } from '../adapters/local/files';
import { holdProcessLock } from '../adapters/local/process-lock';
import { C360Error } from '../domain/errors';
import { failpoint } from '../failpoint';

/**
 * Publishing an ETL run into the lake, crash-safe. A run builds everything under
 * `_staging/<run>/`; publishing then replaces the event-date partitions it touched and the whole
 * tables it rebuilt. That is many renames, and a crash between two of them used to leave silver
 * half old, half new, which the next run merged from and exited 0 (issue 26, defect 4).
 *
 * Now the run first writes its publish journal (`_staging/<run>/PUBLISH.json`, written whole,
 * flushed, renamed into place): every replacement it is about to make. Each step is idempotent
 * (a staged partition still in staging has not been moved yet; the stored one it replaces goes to
 * the run's trash first), so whoever finds a journal, the run itself or the next run after a
 * crash, rolls it forward to the end: the lake holds the whole run's output or none of it, never
 * a mix. A run folder without a journal is a run that died before publishing: it is deleted.
 *
 * Readers that look while a publish is in progress may still see some partitions new and some
 * old (there is no snapshot isolation, as a table format would give): it is crash atomicity.
 */

/** An output built in staging, moved into the lake only when every check of the run passed. */
export type Staged =
  | { kind: 'partitions'; staged: string; target: string; dts: string[] }
  | {
      kind: 'file';
      staged: string;
      target: string;
      /** A keyed table's SQL version, written next to it (KEYED_VERSION_FILE). */
      version?: string;
    };

/** Next to a keyed table: the version of the SQL that wrote its rows (readers skip `_` files). */
export const KEYED_VERSION_FILE = '_sql_version';

const JOURNAL = 'PUBLISH.json';

/** One replacement, paths relative to the lake folder (the folder may move between crash and repair). */
type Op =
  | { kind: 'dir'; target: string; staged: string | null }
  | { kind: 'file'; target: string; staged: string; version: string | null };

interface Journal {
  run: string;
  ops: Op[];
}

/** The folder under which runs stage their outputs. */
export function stagingRoot(lakeDir: string): string {
  return join(lakeDir, '_staging');
}

/**
 * One ETL run at a time per lake (a run's publish and another's staging must not interleave).
 * A run killed with the lock held leaves it behind: taken over at once once its process is gone.
 */
export async function withLakeLock<T>(lakeDir: string, fn: () => Promise<T>, staleMs = 20_000): Promise<T> {
  const release = await holdProcessLock({
    lockPath: join(lakeDir, '_etl.lock'),
    ownerPath: join(lakeDir, '_etl.owner'),
    who: 'an ETL run',
    staleMs,
    busy: (holder) =>
      new C360Error(
        `${holder} is working on ${lakeDir} (c360 etl, c360 pipeline run or c360 forget): let it finish, then rerun`,
      ),
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Publishes a run's staged outputs: journal first, then every replacement, then cleanup. */
export async function publish(lakeDir: string, runDir: string, outputs: Staged[]): Promise<void> {
  const rel = (p: string) => relative(lakeDir, p);
  const ops: Op[] = [];
  for (const o of outputs) {
    if (o.kind === 'file') {
      ops.push({ kind: 'file', target: rel(o.target), staged: rel(o.staged), version: o.version ?? null });
      continue;
    }
    const staged = existsSync(o.staged) ? new Set(await readdir(o.staged)) : new Set<string>();
    const dts = new Set([...o.dts.map((d) => `dt=${d}`), ...[...staged].filter((d) => d.startsWith('dt='))]);
    for (const d of [...dts].sort())
      ops.push({
        kind: 'dir',
        target: rel(join(o.target, d)),
        staged: staged.has(d) ? rel(join(o.staged, d)) : null,
      });
  }
  await replaceFile(join(runDir, JOURNAL), JSON.stringify({ run: rel(runDir), ops } satisfies Journal));
  failpoint('etl.publish.journaled');
  await rollForward(lakeDir, runDir);
}

/** Carries out a journal to the end; each step is safe to repeat. Then deletes the run folder. */
async function rollForward(lakeDir: string, runDir: string): Promise<void> {
  const journal = JSON.parse(await readFile(join(runDir, JOURNAL), 'utf8')) as Journal;
  const trash = join(runDir, '_trash');
  await mkdir(trash, { recursive: true });
  const abs = (p: string) => join(lakeDir, p);
  const toTrash = async (p: string) => {
    if (existsSync(p)) await rename(p, join(trash, randomUUID()));
  };
  for (const [i, op] of journal.ops.entries()) {
    const target = abs(op.target);
    if (op.kind === 'file') {
      const staged = abs(op.staged);
      const versionFile = join(target, '..', KEYED_VERSION_FILE);
      if (existsSync(staged)) {
        await mkdir(join(target, '..'), { recursive: true });
        await rename(staged, target);
      }
      if (op.version) await replaceFile(versionFile, `${op.version}\n`, 0o644);
      else await rm(versionFile, { force: true });
    } else if (op.staged === null) {
      // A touched partition the run left empty: the stored one goes.
      await toTrash(target);
    } else {
      const staged = abs(op.staged);
      // Still in staging: not moved yet, so what is at the target is the stored partition.
      if (existsSync(staged)) {
        await mkdir(join(target, '..'), { recursive: true });
        await toTrash(target);
        await rename(staged, target);
      }
    }
    if (i === Math.floor(journal.ops.length / 2)) failpoint('etl.publish.midway');
  }
  await syncDir(lakeDir).catch(() => {});
  // Done: the journal goes first (a crash now leaves a run folder without one: deleted next time).
  await rm(join(runDir, JOURNAL), { force: true });
  await rm(runDir, { recursive: true, force: true });
}

/**
 * Repairs what crashed runs left (called at the start of every run, under the lake lock): a run
 * whose publish began is rolled forward to the end; one that never reached its publish is removed.
 */
export async function recoverInterruptedRuns(
  lakeDir: string,
): Promise<{ rolledForward: number; removed: number }> {
  const root = stagingRoot(lakeDir);
  let runs: string[];
  try {
    runs = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rolledForward: 0, removed: 0 };
    throw err;
  }
  let rolledForward = 0;
  let removed = 0;
  for (const run of runs.sort()) {
    const dir = join(root, run);
    if (existsSync(join(dir, JOURNAL))) {
      await rollForward(lakeDir, dir);
      rolledForward++;
    } else {
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  await rmdir(root).catch(() => {});
  return { rolledForward, removed };
}
