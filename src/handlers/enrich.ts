import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import type { Pseudonymizer } from '../domain/enrich/pii';
import type { EnrichContext } from '../domain/enrich/pipeline';
import { enrichDraft } from '../domain/enrich/pipeline';
import { decodeEnvelope } from '../domain/envelope';
import {
  type CanonicalEvent,
  eventKey,
  type QuarantineReason,
  type QuarantineRecord,
  type RawEnvelope,
} from '../domain/event';
import { normalize } from '../domain/normalize';
import { bronzePartition, bronzePrefix, quarantinePartition, quarantinePrefix } from '../domain/partition';
import { suppressionHash } from '../domain/privacy/erasure';
import { type PiiVault, sealOriginals, type VaultValue, vaultSubject } from '../domain/privacy/vault';
import {
  ARCHIVE_SINCE_KEY,
  type ArchivedRecord,
  archiveLine,
  rawPrefix,
  sealRaw,
} from '../domain/raw-archive';
import { SchemaRegistry } from '../domain/schema-registry';
import {
  advanceCheckpoint,
  alreadyHandled,
  deliveredBeyond,
  keyDigest,
  type RecordOutcome,
} from '../domain/stream-checkpoint';
import { failpoint } from '../failpoint';
import type { CheckpointStore, ShardCheckpoint } from '../ports/checkpoint';
import type { Clock } from '../ports/clock';
import type { Delivery, DeliveryItem } from '../ports/delivery';
import type { KeyWrapper } from '../ports/key-wrapper';
import type { ObjectStore } from '../ports/object-store';
import type { SuppressionList } from '../ports/suppression';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * Enrich stage (Kinesis → Firehose): decode, normalize, enrich, validate, dedupe, deliver.
 * Works on the whole batch at once (bulk delivery), then lets Powertools' batch processor
 * build the partial-batch response from the records whose events could not be delivered.
 *
 * Counts per batch reconcile: events = delivered + quarantined + duplicates + suppressed + failed, where
 * `failed` events belong to records reported in batchItemFailures (Kinesis redelivers them;
 * the shard checkpoint makes the redelivery safe). Records an earlier batch already handled are
 * skipped unread and counted as `redelivered` records, not as events (they were counted once).
 */
export interface EnrichDeps {
  delivery: Delivery;
  quarantine: Delivery;
  /** Each shard's checkpoint: what a redelivered batch already stored (ports/checkpoint.ts). */
  checkpoints: CheckpointStore;
  enrich: EnrichContext;
  clock: Clock;
  logger: LoggerPort;
  metrics: MetricsPort;
  registry?: SchemaRegistry;
  /** Largest canonical event accepted into the lake (Firehose takes 1,000 KiB per record). */
  maxEventBytes?: number;
  /**
   * Where quarantine originals too large for a quarantine line are stored (the lake bucket's
   * `quarantine-originals/` prefix); the line references the object instead.
   */
  originals?: ObjectStore;
  /** Originals above this size go to `originals` (default 256 KiB). */
  maxInlineOriginalBytes?: number;
  /**
   * The PII vault and its key: the clear values the scrub replaced go to the vault under the
   * event's subject, and quarantine originals are sealed with the vault key. Without it, clear
   * values are dropped (the lake keeps tokens either way) and originals are kept as sent.
   */
  privacy?: { vault: PiiVault; keys: KeyWrapper };
  /** Erased identities (`c360 forget`): their later events are dropped and counted, never stored. */
  suppression?: SuppressionList;
  /**
   * The raw archive (domain/raw-archive.ts): every record as received, sealed (needs `privacy`),
   * delivered before its events, so nothing reaches bronze that history could not recompute.
   * AWS: one S3 object per batch and arrival hour (ObjectStoreDelivery); embedded: files under the lake's `raw/`.
   */
  archive?: Delivery;
  /** The normalizer (domain/normalize): a reprocess runs the one the code ships now. */
  normalize?: typeof normalize;
}

export interface EnrichStats {
  records: number;
  events: number;
  delivered: number;
  quarantined: number;
  duplicates: number;
  /** Events of erased identities, dropped. */
  suppressed: number;
  failedRecords: number;
  /** Records sealed into the raw archive. */
  archived: number;
  /** Records skipped because an earlier batch already stored or quarantined their events. */
  redelivered: number;
  quarantinedByReason: Partial<Record<QuarantineReason, number>>;
}

export function emptyStats(records = 0): EnrichStats {
  return {
    records,
    events: 0,
    delivered: 0,
    quarantined: 0,
    duplicates: 0,
    suppressed: 0,
    failedRecords: 0,
    archived: 0,
    redelivered: 0,
    quarantinedByReason: {},
  };
}

/**
 * An event waiting for dedupe and delivery: only what those need, so the event's object graph
 * is garbage as soon as it is serialized (a young-generation collection), not carried through the
 * whole batch into the old generation.
 */
interface Pending {
  recordIndex: number;
  /** The namespaced dedupe key (eventKey). */
  key: string;
  /** The bronze prefix its line goes to. */
  prefix: string;
  line: string;
  clear: VaultValue[];
  /** The PII vault subject of its clear values (with privacy on and values to keep). */
  subject: string | null;
}

/** Collects the records (or payload items) that go to quarantine, each counted as an event. */
function quarantineCollector(stats: EnrichStats, quarantinedAt: string) {
  const quarantine: { recordIndex: number; q: QuarantineRecord }[] = [];
  const toQuarantine = (
    recordIndex: number,
    original: string,
    reason: QuarantineReason,
    detail: string,
    env: Partial<RawEnvelope> | null,
    errors?: QuarantineRecord['errors'],
  ) => {
    stats.events++;
    quarantine.push({
      recordIndex,
      q: {
        reason,
        detail,
        ...(errors ? { errors } : {}),
        source: env?.source ?? null,
        receivedAt: env?.receivedAt ?? quarantinedAt,
        quarantinedAt,
        original,
      },
    });
  };
  return { quarantine, toQuarantine };
}

/**
 * The hot loop: each record decoded, normalized, enriched, validated and serialized once. Events
 * that pass become `pending` (what dedupe and delivery need, nothing more); records or payload
 * items that cannot become events are collected for quarantine with their reason; suppressed
 * people and in-batch duplicates are counted and dropped.
 */
async function routeRecords(
  records: KinesisStreamRecord[],
  deps: EnrichDeps,
  opts: {
    registry: SchemaRegistry;
    maxEventBytes: number;
    quarantinedAt: string;
    stats: EnrichStats;
    /** Records an earlier batch already handled (the shard checkpoint): not read again. */
    skip: ReadonlySet<number>;
  },
): Promise<{
  pending: Pending[];
  quarantine: { recordIndex: number; q: QuarantineRecord }[];
  raw: ArchiveCandidate[];
}> {
  const { registry, maxEventBytes, quarantinedAt, stats } = opts;
  const suppressed = deps.suppression ? await deps.suppression.load() : null;
  const pending: Pending[] = [];
  // Each record as received, for the raw archive (when there is one).
  const raw: ArchiveCandidate[] = [];
  const seenInBatch = new Set<string>();
  const { quarantine, toQuarantine } = quarantineCollector(stats, quarantinedAt);

  records.forEach((record, recordIndex) => {
    if (opts.skip.has(recordIndex)) return;
    const bytes = Buffer.from(record.kinesis.data, 'base64');
    const text = bytes.toString('utf8');
    let envelope: RawEnvelope;
    try {
      envelope = decodeEnvelope(text);
    } catch (err) {
      const original = text.includes('\uFFFD') ? bytes.toString('base64') : text;
      if (deps.archive) raw.push({ recordIndex, text, receivedAt: quarantinedAt, subject: null });
      toQuarantine(
        recordIndex,
        original,
        'parse_error',
        err instanceof Error ? err.message : String(err),
        null,
      );
      return;
    }
    // The archive keeps the record unless one of its events belongs to an erased person; it is
    // sealed under the first subject its events name.
    const archived: ArchiveCandidate | null = deps.archive
      ? { recordIndex, text, receivedAt: envelope.receivedAt, subject: null }
      : null;
    if (archived) raw.push(archived);
    let outcome: ReturnType<typeof normalize>;
    try {
      outcome = (deps.normalize ?? normalize)(envelope);
    } catch (err) {
      // A normalizer bug must not poison the batch (Kinesis would redeliver it forever):
      // the record is kept in quarantine, replayable once the normalizer is fixed.
      deps.logger.error('normalizer threw; record quarantined', err instanceof Error ? err : { err });
      const message = err instanceof Error ? err.message : String(err);
      toQuarantine(recordIndex, text, 'schema_violation', `normalizer failed: ${message}`, envelope);
      return;
    }
    if (!outcome.ok) {
      toQuarantine(recordIndex, text, outcome.reason, outcome.detail, envelope, outcome.errors);
      return;
    }
    for (const r of outcome.rejected ?? []) {
      toQuarantine(recordIndex, text, r.reason, `${r.detail} (payload item ${r.at})`, envelope, r.errors);
    }
    for (const draft of outcome.events) {
      let event: CanonicalEvent;
      const clear: VaultValue[] = [];
      try {
        event = enrichDraft(draft, envelope, deps.enrich, deps.privacy ? clear : undefined);
      } catch (err) {
        toQuarantine(
          recordIndex,
          text,
          'schema_violation',
          err instanceof Error ? err.message : String(err),
          envelope,
        );
        continue;
      }
      const valid = registry.validate(event.type, event);
      if (!valid.ok) {
        const paths = valid.errors.map((e) => `${e.path} (${e.rule})`).join(', ');
        toQuarantine(
          recordIndex,
          text,
          'schema_violation',
          `invalid ${event.type}: ${paths}`,
          envelope,
          valid.errors,
        );
        continue;
      }
      const line = JSON.stringify(event);
      if (line.length > maxEventBytes) {
        toQuarantine(
          recordIndex,
          text,
          'size',
          `event is ${line.length} bytes; the limit is ${maxEventBytes}`,
          envelope,
        );
        continue;
      }
      stats.events++;
      if (suppressed?.size && isSuppressed(event, suppressed, deps.enrich.pseudonymizer)) {
        stats.suppressed++;
        if (archived) raw.splice(raw.indexOf(archived), 1);
        continue;
      }
      if (archived && archived.subject === null) archived.subject = vaultSubject(event.identities);
      const key = eventKey(event);
      if (seenInBatch.has(key)) {
        stats.duplicates++;
        continue;
      }
      seenInBatch.add(key);
      pending.push({
        recordIndex,
        key,
        prefix: bronzePrefix(bronzePartition(event)),
        line,
        clear,
        subject: clear.length ? vaultSubject(event.identities) : null,
      });
    }
  });
  return { pending, quarantine, raw };
}

export const createEnrichHandler = (deps: EnrichDeps) => {
  if (deps.archive && !deps.privacy)
    throw new Error('the raw archive seals records with the PII vault: give the enrich stage `privacy` too');
  const registry = deps.registry ?? SchemaRegistry.default();
  const maxEventBytes = deps.maxEventBytes ?? 256 * 1024;
  const maxInline = deps.maxInlineOriginalBytes ?? 256 * 1024;

  // Once per container: the archive's start is on record (reprocess refuses the days before it).
  let archiveStartNoted = false;

  /** The bulk work; exported through `.process` for the embedded runtime and tests. */
  async function processBatch(
    records: KinesisStreamRecord[],
  ): Promise<{ failed: Set<number>; stats: EnrichStats }> {
    const quarantinedAt = deps.clock.now().toISOString();
    if (deps.archive && !archiveStartNoted) archiveStartNoted = await noteArchiveStart(deps, quarantinedAt);
    const stats = emptyStats(records.length);
    const checkpoints = await readCheckpoints(deps.checkpoints, records);
    const skip = new Set<number>();
    records.forEach((r, i) => {
      if (alreadyHandled(checkpoints.get(shardOf(r)) as ShardCheckpoint, r.kinesis.sequenceNumber))
        skip.add(i);
    });
    stats.redelivered = skip.size;
    const {
      pending: routedPending,
      quarantine: routed,
      raw,
    } = await routeRecords(records, deps, {
      registry,
      maxEventBytes,
      quarantinedAt,
      stats,
      skip,
    });
    let pending = dropDeliveredBeyond(routedPending, records, checkpoints, stats);
    let quarantine = routed;

    const failed = new Set<number>();

    const origin = (i: number) => {
      const r = records[i] as KinesisStreamRecord;
      return `${r.eventID.split(':')[0] ?? 'shard'}/${r.kinesis.sequenceNumber}`;
    };
    // The vault keys this batch read or created (the archive's, then the clear values'): one read each.
    const knownKeys = new Map<string, Buffer>();
    // The archive first: a record whose raw copy is not stored is not stored at all yet (it and
    // every later record fail, and Kinesis redelivers them).
    if (deps.archive && raw.length) {
      const cut = await archiveRaw(deps, raw, origin, stats, knownKeys);
      if (cut < records.length) {
        for (const r of raw) if (r.recordIndex >= cut) failed.add(r.recordIndex);
        pending = pending.filter((p) => p.recordIndex < cut);
        quarantine = quarantine.filter((q) => q.recordIndex < cut);
      }
    }
    const delivered = await deliverPending(deps, pending, origin, failed, knownKeys);
    stats.delivered = delivered.length;

    // Kinesis redelivers from the first failed record on: a quarantine line written now for a
    // later record would be written again then. Those records are quarantined on their retry.
    const firstFailed = failed.size ? Math.min(...failed) : records.length;
    const later = quarantine.filter((q) => q.recordIndex >= firstFailed);
    for (const q of later) failed.add(q.recordIndex);
    if (later.length) quarantine = quarantine.filter((q) => q.recordIndex < firstFailed);

    if (quarantine.length)
      await deliverQuarantine(deps, quarantine, { quarantinedAt, maxInline, origin, failed, stats });
    stats.failedRecords = failed.size;

    await writeCheckpoints(deps, records, { checkpoints, skip, failed, delivered });
    publishBatchMetrics(deps, stats, records);
    return { failed, stats };
  }

  const handler = async (
    event: KinesisStreamEvent,
    context?: Context,
  ): Promise<KinesisStreamBatchResponse> => {
    const { failed } = await processBatch(event.Records);
    const bySequence = new Set([...failed].map((i) => event.Records[i]?.kinesis.sequenceNumber));
    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    return processPartialResponse(
      event,
      async (record: KinesisStreamRecord) => {
        if (bySequence.has(record.kinesis.sequenceNumber)) {
          throw new Error(`record ${record.kinesis.sequenceNumber} was not delivered`);
        }
      },
      processor,
      context ? { context } : undefined,
    );
  };
  return Object.assign(handler, { process: processBatch });
};

const shardOf = (r: KinesisStreamRecord) => r.eventID.split(':')[0] ?? 'shard';

/** The checkpoint of every shard in the batch (one, from Kinesis; the embedded stream has one too). */
async function readCheckpoints(
  store: CheckpointStore,
  records: KinesisStreamRecord[],
): Promise<Map<string, ShardCheckpoint>> {
  const shards = [...new Set(records.map(shardOf))];
  return new Map(await Promise.all(shards.map(async (s) => [s, await store.get(s)] as const)));
}

/**
 * Events a failed batch delivered from records after its failure, redelivered now with the
 * failed record: dropped and counted as duplicates.
 */
function dropDeliveredBeyond(
  pending: Pending[],
  records: KinesisStreamRecord[],
  checkpoints: Map<string, ShardCheckpoint>,
  stats: EnrichStats,
): Pending[] {
  const beyond = new Map([...checkpoints].map(([s, cp]) => [s, deliveredBeyond(cp)]));
  if (![...beyond.values()].some((b) => b.size)) return pending;
  return pending.filter((p) => {
    const seen = beyond.get(shardOf(records[p.recordIndex] as KinesisStreamRecord));
    if (seen?.size && seen.has(keyDigest(p.key))) {
      stats.duplicates++;
      return false;
    }
    return true;
  });
}

/**
 * Each shard's checkpoint after the batch (domain/stream-checkpoint.ts), one write per shard. A
 * write refused or failed is logged and counted (CheckpointWriteFailures), not thrown: the
 * events are stored, and failing the batch now would store them again; the cost of a lost
 * checkpoint is at most one redelivered batch stored twice in bronze, which silver removes.
 */
async function writeCheckpoints(
  deps: EnrichDeps,
  records: KinesisStreamRecord[],
  batch: {
    checkpoints: Map<string, ShardCheckpoint>;
    skip: ReadonlySet<number>;
    failed: ReadonlySet<number>;
    delivered: Pending[];
  },
): Promise<void> {
  const keysOf = new Map<number, string[]>();
  for (const p of batch.delivered) keysOf.set(p.recordIndex, [...(keysOf.get(p.recordIndex) ?? []), p.key]);
  const outcomes = new Map<string, RecordOutcome[]>();
  records.forEach((r, i) => {
    if (batch.skip.has(i)) return;
    const list = outcomes.get(shardOf(r)) ?? [];
    list.push({
      seq: r.kinesis.sequenceNumber,
      done: !batch.failed.has(i),
      deliveredKeys: keysOf.get(i) ?? [],
    });
    outcomes.set(shardOf(r), list);
  });
  for (const [shard, list] of outcomes) {
    const cp = batch.checkpoints.get(shard) as ShardCheckpoint;
    const advanced = advanceCheckpoint(cp, list);
    if (!advanced) continue;
    if (advanced.droppedKeys)
      deps.logger.warn('checkpoint keeps too many keys; a redelivery may store some events twice in bronze', {
        shard,
        droppedKeys: advanced.droppedKeys,
      });
    let written = false;
    try {
      written = await deps.checkpoints.put(shard, advanced.next, cp.version);
      if (!written)
        deps.logger.error('shard checkpoint moved by another writer; not overwritten', {
          shard,
          read: cp.version,
        });
    } catch (err) {
      deps.logger.error('shard checkpoint not written', err instanceof Error ? err : { err });
    }
    if (!written) deps.metrics.addMetric('CheckpointWriteFailures', 'Count', 1);
  }
}

/**
 * Writes `raw/_since.json` (when the raw archive began) unless it exists: a day before it holds
 * records nobody archived, and reprocessing it would lose them. Failing to write it is logged and
 * tried again next batch (the archive itself does not depend on it).
 */
async function noteArchiveStart(deps: EnrichDeps, now: string): Promise<boolean> {
  if (!deps.originals) return true;
  try {
    if ((await deps.originals.list(ARCHIVE_SINCE_KEY)).length) return true;
    await deps.originals.put(ARCHIVE_SINCE_KEY, `${JSON.stringify({ since: now })}\n`);
    return true;
  } catch (err) {
    deps.logger.warn(
      'raw archive start not recorded; tried again next batch',
      err instanceof Error ? err : { err },
    );
    return false;
  }
}

interface ArchiveCandidate {
  recordIndex: number;
  text: string;
  receivedAt: string;
  subject: string | null;
}

/** Firehose takes 1,000 KiB per record; a longer archive line is stored as an object of its own. */
const MAX_ARCHIVE_LINE = 1000 * 1024 - 1;

/**
 * Seals the batch's raw records and delivers them to the archive. Returns the index of the first
 * record whose copy was not stored (records.length when all were).
 */
async function archiveRaw(
  deps: EnrichDeps,
  raw: ArchiveCandidate[],
  origin: (recordIndex: number) => string,
  stats: EnrichStats,
  known: Map<string, Buffer>,
): Promise<number> {
  const privacy = deps.privacy as NonNullable<EnrichDeps['privacy']>;
  const sealed = await sealRaw(
    privacy.vault,
    privacy.keys,
    known,
    raw.map((r) => ({
      text: r.text,
      receivedAt: r.receivedAt,
      origin: origin(r.recordIndex),
      subject: r.subject,
    })),
  );
  const items: DeliveryItem[] = [];
  const itemRecord: number[] = [];
  let cut = Number.POSITIVE_INFINITY;
  for (let i = 0; i < sealed.length; i++) {
    const a = sealed[i] as ArchivedRecord;
    const r = raw[i] as ArchiveCandidate;
    const line = archiveLine(a);
    const prefix = rawPrefix(a.receivedAt);
    if (line.length <= MAX_ARCHIVE_LINE) {
      items.push({ prefix, line, origin: a.origin });
      itemRecord.push(r.recordIndex);
      continue;
    }
    try {
      if (!deps.originals) throw new Error('no object store for archive lines above 1,000 KiB');
      const name = a.origin.replace(/[^A-Za-z0-9_-]/g, '-');
      await deps.originals.put(`${prefix}large-${name}.ndjson.gz`, gzipSync(`${line}\n`));
    } catch (err) {
      deps.logger.error('raw archive object not stored', err instanceof Error ? err : { err });
      cut = Math.min(cut, r.recordIndex);
    }
  }
  const result = items.length
    ? await deliverOrFail(deps.archive as Delivery, items, deps.logger)
    : { failed: [] };
  for (const i of result.failed) cut = Math.min(cut, itemRecord[i] as number);
  failpoint('enrich.archived');
  stats.archived = raw.filter((r) => r.recordIndex < cut).length;
  return Number.isFinite(cut) ? cut : Number.MAX_SAFE_INTEGER;
}

/**
 * Stores the clear values of the events to deliver in the vault, then delivers them. Records
 * whose events failed to deliver go to `failed`. Returns the events delivered.
 */
async function deliverPending(
  deps: EnrichDeps,
  toDeliver: Pending[],
  origin: (recordIndex: number) => string,
  failed: Set<number>,
  knownKeys: Map<string, Buffer>,
): Promise<Pending[]> {
  // The clear values go to the vault before their tokens reach the lake. A vault failure fails
  // the batch, which Kinesis redelivers; vault entries are idempotent.
  if (deps.privacy && toDeliver.length) {
    const bySubject = new Map<string, VaultValue[]>();
    for (const p of toDeliver) {
      if (p.subject) bySubject.set(p.subject, [...(bySubject.get(p.subject) ?? []), ...p.clear]);
    }
    if (bySubject.size)
      deps.metrics.addMetric(
        'VaultValuesStored',
        'Count',
        await deps.privacy.vault.put(bySubject, knownKeys),
      );
  }
  const items: DeliveryItem[] = toDeliver.map((p) => ({
    prefix: p.prefix,
    line: p.line,
    origin: origin(p.recordIndex),
  }));
  const result = items.length
    ? await deliverOrFail(deps.delivery, items, deps.logger)
    : { failed: [] as number[] };
  failpoint('enrich.delivered');
  const failedItems = new Set(result.failed);
  const delivered: Pending[] = [];
  toDeliver.forEach((p, i) => {
    if (failedItems.has(i)) failed.add(p.recordIndex);
    else delivered.push(p);
  });
  return delivered;
}

/**
 * Quarantine lines for the batch's records that could not become events: originals sealed with
 * the vault key (they may hold anything the sender put in them); an original too large for a
 * quarantine line stored as an object and referenced, so the line always fits and the original
 * is never lost. A record whose line could not be delivered goes to `failed`.
 */
async function deliverQuarantine(
  deps: EnrichDeps,
  quarantine: { recordIndex: number; q: QuarantineRecord }[],
  ctx: {
    quarantinedAt: string;
    maxInline: number;
    origin: (recordIndex: number) => string;
    failed: Set<number>;
    stats: EnrichStats;
  },
): Promise<void> {
  if (deps.privacy) {
    const sealed = await sealOriginals(
      deps.privacy.keys,
      quarantine.map(({ q }) => q.original),
    );
    quarantine.forEach(({ q }, i) => {
      Object.assign(q, sealed[i]);
      q.original = '';
    });
  }
  for (const { q } of quarantine) {
    const body = q.sealedOriginal ?? q.original;
    if (Buffer.byteLength(body) <= ctx.maxInline) continue;
    if (!deps.originals) continue;
    const key = `quarantine-originals/${ctx.quarantinedAt.slice(0, 10)}/${createHash('sha256').update(body).digest('hex')}`;
    await deps.originals.put(key, body);
    q.originalRef = key;
    q.originalBytes = Buffer.byteLength(body);
    if (q.sealedOriginal !== undefined) q.sealedOriginal = '';
    else q.original = '';
  }
  const qItems = quarantine.map(({ q, recordIndex }) => ({
    prefix: quarantinePrefix(quarantinePartition(q)),
    line: JSON.stringify(q),
    origin: ctx.origin(recordIndex),
  }));
  const qResult = await deliverOrFail(deps.quarantine, qItems, deps.logger);
  const qFailed = new Set(qResult.failed);
  quarantine.forEach(({ recordIndex, q }, i) => {
    if (qFailed.has(i)) ctx.failed.add(recordIndex);
    else {
      ctx.stats.quarantined++;
      ctx.stats.quarantinedByReason[q.reason] = (ctx.stats.quarantinedByReason[q.reason] ?? 0) + 1;
    }
  });
}

/** The batch's counts as EMF metrics; quarantine per reason (the on-call dashboard and runbooks use it). */
function publishBatchMetrics(deps: EnrichDeps, stats: EnrichStats, records: KinesisStreamRecord[]): void {
  deps.metrics.addMetric('EnrichRecords', 'Count', stats.records);
  deps.metrics.addMetric('EnrichEvents', 'Count', stats.events);
  deps.metrics.addMetric('EnrichDelivered', 'Count', stats.delivered);
  deps.metrics.addMetric('EnrichQuarantined', 'Count', stats.quarantined);
  deps.metrics.addMetric('EnrichDuplicates', 'Count', stats.duplicates);
  if (stats.suppressed) deps.metrics.addMetric('EventsSuppressed', 'Count', stats.suppressed);
  deps.metrics.addMetric('EnrichFailedRecords', 'Count', stats.failedRecords);
  if (stats.redelivered) deps.metrics.addMetric('EnrichRedeliveredRecords', 'Count', stats.redelivered);
  const oldest = records.reduce(
    (m, r) => Math.min(m, r.kinesis.approximateArrivalTimestamp),
    Number.POSITIVE_INFINITY,
  );
  if (Number.isFinite(oldest)) {
    deps.metrics.addMetric(
      'EnrichLagMs',
      'Milliseconds',
      Math.max(0, deps.clock.now().getTime() - oldest * 1000),
    );
  }
  deps.metrics.publishStoredMetrics();
  for (const [reason, n] of Object.entries(stats.quarantinedByReason)) {
    deps.metrics.addDimension('reason', reason);
    deps.metrics.addMetric('QuarantinedByReason', 'Count', n as number);
    deps.metrics.publishStoredMetrics();
  }
  if (stats.failedRecords > 0) {
    deps.logger.warn('records not delivered; reported for redelivery', {
      failedRecords: stats.failedRecords,
    });
  }
}

function isSuppressed(event: CanonicalEvent, list: ReadonlySet<string>, p: Pseudonymizer): boolean {
  return event.identities.some((k) => list.has(suppressionHash(p, k.type, k.value)));
}

/** A delivery that throws counts as every item failed: the records are redelivered, not lost. */
async function deliverOrFail(
  delivery: Delivery,
  items: DeliveryItem[],
  logger: LoggerPort,
): Promise<{ failed: number[] }> {
  try {
    const result = await delivery.deliver(items);
    if (result.failed.length > 0) {
      logger.warn('delivery left items undelivered after retries', {
        failed: result.failed.length,
        lastError: result.lastError,
      });
    }
    return result;
  } catch (err) {
    logger.error(
      'delivery failed; the batch records will be redelivered',
      err instanceof Error ? err : { err },
    );
    return { failed: items.map((_, i) => i) };
  }
}
