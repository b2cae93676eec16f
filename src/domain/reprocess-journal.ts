import type { ObjectStore } from '../ports/object-store';
import { C360Error } from './errors';

/**
 * A reprocess run's journal in the lake (`reprocess/<run>.json`): its range and how far it got.
 * The ETL reads it so that no run processes days that hold two bronze versions at once.
 */
export const journalKey = (runId: string) => `reprocess/${runId}.json`;

export type ReprocessState = 'writing' | 'retired' | 'done';

export interface ReprocessCounts {
  objects: number;
  records: number;
  /** Records of forgotten people: their key is gone, so they cannot be read (or stored) again. */
  erased: number;
  delivered: number;
  quarantined: number;
  duplicates: number;
  suppressed: number;
  /** Bronze objects written by this run, and the previous version's objects it retired. */
  written: number;
  retired: number;
}

export interface ReprocessJournal {
  runId: string;
  from: string;
  to: string;
  state: ReprocessState;
  startedAt: string;
  updatedAt: string;
  counts: ReprocessCounts;
}

export async function readJournal(lake: ObjectStore, runId: string): Promise<ReprocessJournal> {
  return JSON.parse((await lake.get(journalKey(runId))).toString('utf8')) as ReprocessJournal;
}

export async function writeJournal(lake: ObjectStore, j: ReprocessJournal): Promise<void> {
  await lake.put(journalKey(j.runId), `${JSON.stringify(j, null, 2)}\n`);
}

/**
 * Refuses an ETL over arrival days a reprocess is still writing (they hold two versions of their
 * events until the run retires the old one). Says which run and how to finish it.
 */
export async function assertNoReprocessWriting(lake: ObjectStore, from: string, to: string): Promise<void> {
  for (const key of await lake.list('reprocess/')) {
    if (!/^reprocess\/[^/]+\.json$/.test(key)) continue;
    const j = JSON.parse((await lake.get(key)).toString('utf8')) as ReprocessJournal;
    if (j.state === 'writing' && j.from <= to && j.to >= from)
      throw new C360Error(
        `reprocess ${j.runId} is writing a new bronze version of ${j.from}..${j.to}: run it to the end (c360 reprocess --resume ${j.runId}) before processing those days`,
      );
  }
}
