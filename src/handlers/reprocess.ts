import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { C360Error } from '../domain/errors';
import type { PiiVault } from '../domain/privacy/vault';
import { ARCHIVE_SINCE_KEY, type ArchivedRecord, openRaw } from '../domain/raw-archive';
import {
  assertNoReprocessWriting,
  journalKey,
  type ReprocessCounts,
  type ReprocessJournal,
  readJournal,
  writeJournal,
} from '../domain/reprocess-journal';
import type { Clock } from '../ports/clock';
import type { Delivery, DeliveryItem, DeliveryResult } from '../ports/delivery';
import type { KeyWrapper } from '../ports/key-wrapper';
import type { ObjectStore } from '../ports/object-store';
import type { LoggerPort } from '../ports/telemetry';
import type { EnrichStats } from './enrich';

/**
 * Reprocess (statemachines/reprocess.asl.json): re-runs normalization and enrichment, as the code
 * ships them now, over the raw archive of a range of arrival days, into a new version of those
 * days' bronze; the backfill then rebuilds silver, gold and the warehouse from it. So a normalizer
 * fix reaches history, not only what arrives after it ships.
 *
 *   plan    checks the range (whole days before today), writes the run's journal (state writing)
 *   day     one arrival day, a few archive objects a call: opens each record (a forgotten
 *           person's cannot be opened and is counted `erased`), runs the enrich stage over them
 *           and writes the bronze lines as `reprocess-<run>-<object>.ndjson.gz` in their partition
 *           (a retried call rewrites the same names)
 *   retire  removes the days' other bronze objects (the previous version: a noncurrent version in
 *           the versioned bucket, `bronze-previous/<run>/` embedded), journal state retired
 *   finish  after the backfill: journal state done, with the counts
 *
 * While a run is `writing`, a day holds two versions of its events: the ETL refuses those days
 * (assertNoReprocessWriting) until the run retires the old one.
 */
export interface ReprocessDeps {
  lake: ObjectStore;
  privacy: { vault: PiiVault; keys: KeyWrapper };
  /** The enrich stage writing bronze to `delivery`: no raw archive, a checkpoint of its own. */
  enrichInto(delivery: Delivery): {
    process(records: KinesisStreamRecord[]): Promise<{ failed: Set<number>; stats: EnrichStats }>;
  };
  clock: Clock;
  logger: LoggerPort;
  /** Archive objects a `day` call reprocesses before returning (Lambda has 15 minutes). */
  objectsPerCall?: number;
  /** Records per enrich batch (the stream's BatchSize). */
  batchSize?: number;
}

export type ReprocessStep =
  | { step: 'plan'; input: { from?: string; to?: string; runId?: string }; execution: string }
  | { step: 'day'; runId: string; date: string; after?: string | null }
  | { step: 'retire'; runId: string }
  | { step: 'finish'; runId: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const emptyCounts = (): ReprocessCounts => ({
  objects: 0,
  records: 0,
  erased: 0,
  delivered: 0,
  quarantined: 0,
  duplicates: 0,
  suppressed: 0,
  written: 0,
  retired: 0,
});

function addCounts(into: ReprocessCounts, c: ReprocessCounts): void {
  for (const k of Object.keys(into) as (keyof ReprocessCounts)[]) if (k !== 'retired') into[k] += c[k];
}

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The dates of [from, to], in order. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** A run id from the execution's name: what S3 keys and file names can carry. */
export function runIdOf(execution: string): string {
  const name = execution.slice(execution.lastIndexOf(':') + 1);
  const safe = name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 60);
  if (!safe) throw new C360Error(`execution "${execution}" gives no run id`);
  return safe;
}

export class ReprocessRangeError extends C360Error {
  override name = 'ReprocessRangeError';
  override readonly status = 400;
}

/** Buffers bronze lines per prefix; written as one object per prefix, under a fixed name. */
class BronzeVersionWriter implements Delivery {
  private readonly lines = new Map<string, string[]>();
  async deliver(items: DeliveryItem[]): Promise<DeliveryResult> {
    for (const item of items) {
      const list = this.lines.get(item.prefix);
      if (list) list.push(item.line);
      else this.lines.set(item.prefix, [item.line]);
    }
    return { failed: [], calls: 0, retried: 0 };
  }
  async flush(lake: ObjectStore, name: string): Promise<number> {
    for (const [prefix, lines] of this.lines)
      await lake.put(`${prefix}${name}`, gzipSync(`${lines.join('\n')}\n`));
    return this.lines.size;
  }
}

/** A stream record (as Lambda's Kinesis event carries it) for an archived record's text. */
function asStreamRecord(text: string, origin: string, seq: number): KinesisStreamRecord {
  return {
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `reprocess:${seq}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/c360-reprocess',
    awsRegion: 'local',
    eventSourceARN: 'arn:aws:kinesis:local:000000000000:stream/c360-reprocess',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: origin,
      sequenceNumber: String(seq),
      data: Buffer.from(text, 'utf8').toString('base64'),
      approximateArrivalTimestamp: 0,
    },
  };
}

export function createReprocessHandler(deps: ReprocessDeps) {
  const perCall = deps.objectsPerCall ?? 20;
  const batchSize = deps.batchSize ?? 500;
  const now = () => deps.clock.now().toISOString();

  async function plan(input: { from?: string; to?: string; runId?: string }, execution: string) {
    // A run is finished by a new execution naming it (execution names are unique in AWS).
    if (input.runId) {
      const j = await readJournal(deps.lake, runIdOf(input.runId)).catch(() => {
        throw new ReprocessRangeError(
          `no reprocess run ${input.runId} (reprocess/${input.runId}.json in the lake)`,
        );
      });
      return { runId: j.runId, from: j.from, to: j.to, dates: daysOf(j.from, j.to) };
    }
    const { from = '', to = '' } = input;
    if (!DATE.test(from) || !DATE.test(to))
      throw new ReprocessRangeError(`--from and --to must be dates (YYYY-MM-DD); got ${from} and ${to}`);
    if (from > to) throw new ReprocessRangeError(`--from ${from} is after --to ${to}`);
    const today = now().slice(0, 10);
    if (to >= today)
      throw new ReprocessRangeError(
        `--to ${to} is not a whole day yet (today is ${today} UTC): events still arrive in it; reprocess up to yesterday`,
      );
    // Days the archive does not cover whole would lose the records nobody archived.
    const since = await deps.lake
      .get(ARCHIVE_SINCE_KEY)
      .then((b) => (JSON.parse(b.toString('utf8')) as { since: string }).since)
      .catch(() => null);
    if (!since)
      throw new ReprocessRangeError(
        `there is no raw archive yet (${ARCHIVE_SINCE_KEY}): this release archives what arrives from now on, so only days after today can be reprocessed`,
      );
    if (from <= since.slice(0, 10))
      throw new ReprocessRangeError(
        `the raw archive covers arrivals from ${since} on: --from must be ${nextDay(since.slice(0, 10))} or later (earlier days hold records it never saw)`,
      );
    const runId = runIdOf(execution);
    let journal: ReprocessJournal;
    try {
      journal = await readJournal(deps.lake, runId);
    } catch {
      // Two runs over the same days would each retire what the other wrote.
      await assertNoReprocessWriting(deps.lake, from, to);
      journal = {
        runId,
        from,
        to,
        state: 'writing',
        startedAt: now(),
        updatedAt: now(),
        counts: emptyCounts(),
      };
      await writeJournal(deps.lake, journal);
    }
    return { runId, from: journal.from, to: journal.to, dates: daysOf(journal.from, journal.to) };
  }

  /** One archive object into its bronze objects; its counts are stored beside the journal (a retry rewrites them). */
  async function reprocessObject(runId: string, key: string): Promise<ReprocessCounts> {
    const counts = emptyCounts();
    const lines = gunzipSync(await deps.lake.get(key))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim());
    const archived = lines.map((l) => JSON.parse(l) as ArchivedRecord);
    const texts = await openRaw(deps.privacy.vault, deps.privacy.keys, archived);
    const records: KinesisStreamRecord[] = [];
    texts.forEach((t, i) => {
      if (t === null) counts.erased++;
      else records.push(asStreamRecord(t, (archived[i] as ArchivedRecord).origin, records.length + 1));
    });
    counts.objects++;
    counts.records += archived.length;
    const writer = new BronzeVersionWriter();
    const enrich = deps.enrichInto(writer);
    for (let i = 0; i < records.length; i += batchSize) {
      const { failed, stats } = await enrich.process(records.slice(i, i + batchSize));
      if (failed.size)
        throw new C360Error(
          `reprocess ${runId}: ${failed.size} records of ${key} were not stored (the quarantine or vault failed); the step is retried`,
        );
      counts.delivered += stats.delivered;
      counts.quarantined += stats.quarantined;
      counts.duplicates += stats.duplicates;
      counts.suppressed += stats.suppressed;
    }
    const objectId = createHash('sha256').update(key).digest('hex').slice(0, 16);
    counts.written += await writer.flush(deps.lake, `reprocess-${runId}-${objectId}.ndjson.gz`);
    await deps.lake.put(`reprocess/${runId}/objects/${objectId}.json`, JSON.stringify({ key, counts }));
    return counts;
  }

  async function day(runId: string, date: string, after: string | null) {
    const journal = await readJournal(deps.lake, runId);
    // A resumed run past writing has nothing left to write.
    if (journal.state !== 'writing') return { runId, date, after, done: true, counts: emptyCounts() };
    const keys = (await deps.lake.list(`raw/dt=${date}/`)).filter((k) => !after || k > after);
    const batch = keys.slice(0, perCall);
    const counts = emptyCounts();
    for (const key of batch) addCounts(counts, await reprocessObject(runId, key));
    const last = batch.at(-1) ?? after;
    deps.logger.info('reprocessed archive objects', { runId, date, ...counts });
    return { runId, date, after: last, done: keys.length <= perCall, counts };
  }

  /** The bronze objects of the run's days that this run did not write: the previous version. */
  async function previousVersion(journal: ReprocessJournal): Promise<string[]> {
    const days = new Set(daysOf(journal.from, journal.to));
    const mine = `reprocess-${journal.runId}-`;
    return (await deps.lake.list('bronze/events/')).filter((k) => {
      const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(k)?.[1];
      return dt !== undefined && days.has(dt) && !k.slice(k.lastIndexOf('/') + 1).startsWith(mine);
    });
  }

  async function retire(runId: string) {
    const journal = await readJournal(deps.lake, runId);
    if (journal.state === 'writing') {
      const old = await previousVersion(journal);
      await deps.lake.remove(old);
      journal.counts.retired = old.length;
      journal.state = 'retired';
      journal.updatedAt = now();
      await writeJournal(deps.lake, journal);
    }
    return { runId, from: journal.from, to: journal.to, retired: journal.counts.retired };
  }

  async function finish(runId: string) {
    const journal = await readJournal(deps.lake, runId);
    if (journal.state === 'writing')
      throw new C360Error(`reprocess ${runId} has not retired its previous bronze version yet`);
    const counts = { ...emptyCounts(), retired: journal.counts.retired };
    for (const key of await deps.lake.list(`reprocess/${runId}/objects/`))
      addCounts(
        counts,
        (JSON.parse((await deps.lake.get(key)).toString('utf8')) as { counts: ReprocessCounts }).counts,
      );
    journal.counts = counts;
    journal.state = 'done';
    journal.updatedAt = now();
    await writeJournal(deps.lake, journal);
    return journal;
  }

  return async (input: ReprocessStep) => {
    switch (input.step) {
      case 'plan':
        return plan(input.input, input.execution);
      case 'day':
        return day(input.runId, input.date, input.after ?? null);
      case 'retire':
        return retire(input.runId);
      case 'finish':
        return finish(input.runId);
      default:
        throw new C360Error(`unknown reprocess step ${(input as { step: string }).step}`);
    }
  };
}
