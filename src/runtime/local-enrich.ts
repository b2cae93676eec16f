import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { GeoipLiteLookup } from '../adapters/geoip';
import { FileCheckpointStore } from '../adapters/local/checkpoint';
import { FileSuppressionList } from '../adapters/local/file-suppression';
import { FileVaultStore } from '../adapters/local/file-vault';
import { createExclusiveSync, replaceFile } from '../adapters/local/files';
import { LakeDelivery } from '../adapters/local/lake-delivery';
import { LocalKeyWrapper } from '../adapters/local/local-key-wrapper';
import { FolderObjectStore } from '../adapters/local/object-store';
import { holdProcessLock } from '../adapters/local/process-lock';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import { noGeo } from '../domain/enrich/geo';
import { Pseudonymizer } from '../domain/enrich/pii';
import { UserAgentCache } from '../domain/enrich/useragent';
import { ConsumerBusyError } from '../domain/errors';
import type { QuarantineReason } from '../domain/event';
import { PiiVault } from '../domain/privacy/vault';
import { createEnrichHandler, type EnrichDeps, type EnrichStats, emptyStats } from '../handlers/enrich';
import type { Clock } from '../ports/clock';
import { systemClock } from '../ports/clock';
import type { KeyWrapper } from '../ports/key-wrapper';
import type { ReadableEventStream, StoredStreamRecord } from '../ports/stream';
import { localPaths } from './local';

/**
 * Embedded event source mapping: reads the local stream in batches, hands the enrich handler
 * exactly what Lambda would get from Kinesis, and advances a checkpoint like Kinesis does with
 * ReportBatchItemFailures (up to, not including, the first failed record).
 */
/**
 * The embedded pseudonymization key: 32 random bytes generated once per data folder
 * (`<data>/state/pii.key`, owner-only), never a constant anyone can read in the source. AWS reads
 * it from Secrets Manager; C360_PII_KEY overrides it (e.g. to share tokens between folders).
 * Losing the file means new tokens for the same people: back it up with the folder.
 */
export function localPiiKey(stateDir: string): Buffer {
  return localKeyFile(stateDir, 'pii.key');
}

/** The embedded stand-in for the vault's KMS key (`<data>/state/vault.key`), created like pii.key. */
export function localVaultKeys(stateDir: string): KeyWrapper {
  return new LocalKeyWrapper(localKeyFile(stateDir, 'vault.key'));
}

/** The embedded vault and its key. */
export function localPrivacy(dataDir?: string): { vault: PiiVault; keys: KeyWrapper } {
  const paths = localPaths(dataDir);
  const keys = localVaultKeys(paths.state);
  return { vault: new PiiVault(new FileVaultStore(paths.vault), keys), keys };
}

function localKeyFile(stateDir: string, name: string): Buffer {
  const file = join(stateDir, name);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // An empty file is what a crash while an older build wrote the key in place leaves: no key was
  // ever in it, so nothing was sealed or tokenized with it and a new one may take its place.
  if (existsSync(file) && statSync(file).size === 0) unlinkSync(file);
  // Written whole, then linked into place: a crash now leaves no file or the whole key.
  createExclusiveSync(file, randomBytes(32).toString('hex'));
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new Error(
      `${file} is not a c360 key (64 hex characters): restore it from a backup or remove it to start new tokens`,
    );
  return Buffer.from(hex, 'hex');
}

export type EnrichHandler = ReturnType<typeof createEnrichHandler>;

export interface LocalEnrichOptions {
  clock?: Clock;
  geo?: boolean;
  piiKey?: string;
  lateWindowHours?: number;
}

export function createLocalEnrichHandler(dataDir?: string, opts: LocalEnrichOptions = {}): EnrichHandler {
  return createEnrichHandler(localEnrichDeps(dataDir, opts));
}

/** The embedded enrich stage's dependencies (a reprocess swaps the delivery and drops the archive). */
export function localEnrichDeps(dataDir?: string, opts: LocalEnrichOptions = {}): EnrichDeps {
  const paths = localPaths(dataDir);
  const clock = opts.clock ?? systemClock;
  return {
    delivery: new LakeDelivery(paths.lake, () => clock.now()),
    quarantine: new LakeDelivery(paths.lake, () => clock.now()),
    archive: new LakeDelivery(paths.lake, () => clock.now()),
    originals: new FolderObjectStore(paths.lake),
    checkpoints: new FileCheckpointStore(join(paths.state, 'checkpoints')),
    enrich: {
      ua: new UserAgentCache(),
      geo: opts.geo === false ? noGeo : new GeoipLiteLookup(),
      pseudonymizer: new Pseudonymizer(opts.piiKey ?? process.env.C360_PII_KEY ?? localPiiKey(paths.state)),
      lateWindowMs: (opts.lateWindowHours ?? 48) * 3600_000,
    },
    privacy: localPrivacy(dataDir),
    suppression: new FileSuppressionList(join(paths.state, 'suppression.txt')),
    clock,
    logger: new LocalLogger('c360-enrich'),
    metrics: new EmfMetrics('c360', 'c360-enrich', paths.metrics),
  };
}

/**
 * The data folder's one stream consumer, as a Kinesis shard has one Lambda invocation at a time:
 * `c360 serve` (its consumer process), `c360 enrich`, `ingest-file`, `redrive` and the demo take
 * this lock before they enrich, and `c360 backup` / `c360 restore` while they copy. A consumer
 * killed with the lock held leaves it behind, taken over at once once its process is gone
 * (holdProcessLock).
 */
export async function openLocalConsumer(
  dataDir: string | undefined,
  who: string,
  opts: LocalEnrichOptions & { staleMs?: number } = {},
): Promise<{ handler: EnrichHandler; release: () => Promise<void> }> {
  const release = await holdConsumerLock(dataDir, who, { staleMs: opts.staleMs });
  return { handler: createLocalEnrichHandler(dataDir, opts), release };
}

/** The data folder's consumer lock alone (openLocalConsumer's, and what keeps a backup from a consumer). */
export async function holdConsumerLock(
  dataDir: string | undefined,
  who: string,
  opts: { staleMs?: number; busy?: (holder: string, root: string) => Error } = {},
): Promise<() => Promise<void>> {
  const paths = localPaths(dataDir);
  await mkdir(paths.state, { recursive: true, mode: 0o700 });
  return holdProcessLock({
    lockPath: join(paths.state, 'enrich.lock'),
    ownerPath: join(paths.state, 'enrich.owner'),
    who,
    staleMs: opts.staleMs,
    busy: (holder) =>
      opts.busy?.(holder, paths.root) ??
      new ConsumerBusyError(
        `${holder} is enriching ${paths.root} (one consumer per data folder, as one Lambda per shard): it enriches these events too; let it finish, or stop it and rerun`,
      ),
  });
}

export function toKinesisRecord(r: StoredStreamRecord): KinesisStreamRecord {
  return {
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${r.shardId}:${r.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/c360-local',
    awsRegion: 'local',
    eventSourceARN: 'arn:aws:kinesis:local:000000000000:stream/c360-events',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      data: r.data,
      approximateArrivalTimestamp: r.approximateArrivalTimestamp / 1000,
    },
  };
}

/** The enrich handler's per-batch counts summed over a drain, plus the number of batches. */
export interface DrainReport extends EnrichStats {
  batches: number;
}

export async function drainStream(opts: {
  stream: ReadableEventStream;
  handler: EnrichHandler;
  checkpointFile: string;
  batchSize?: number;
  /** Stop after this many consecutive batches that make no progress (a poison batch). */
  maxStuckBatches?: number;
  onProgress?: (r: DrainReport) => void;
  /** A second consumer of the same records (the real-time tier), given each batch enrich consumed. */
  tap?: (records: StoredStreamRecord[]) => Promise<void>;
}): Promise<DrainReport> {
  const report: DrainReport = { ...emptyStats(), batches: 0 };
  let checkpoint: string | null = null;
  try {
    checkpoint = (await readFile(opts.checkpointFile, 'utf8')).trim() || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let stuck = 0;
  for (;;) {
    const batch = await opts.stream.read(checkpoint, opts.batchSize ?? 10_000);
    if (batch.length === 0) break;
    const event: KinesisStreamEvent = { Records: batch.map(toKinesisRecord) };
    const { failed, stats } = await opts.handler.process(event.Records);
    report.batches++;
    report.events += stats.events;
    report.delivered += stats.delivered;
    report.quarantined += stats.quarantined;
    report.duplicates += stats.duplicates;
    report.suppressed += stats.suppressed;
    for (const [k, v] of Object.entries(stats.quarantinedByReason) as [QuarantineReason, number][]) {
      report.quarantinedByReason[k] = (report.quarantinedByReason[k] ?? 0) + v;
    }
    const firstFailed = failed.size ? Math.min(...failed) : batch.length;
    report.records += firstFailed;
    if (firstFailed > 0) {
      checkpoint = (batch[firstFailed - 1] as StoredStreamRecord).sequenceNumber;
      await mkdir(dirname(opts.checkpointFile), { recursive: true });
      await replaceFile(opts.checkpointFile, checkpoint);
      await opts.tap?.(batch.slice(0, firstFailed));
      stuck = 0;
    } else if (++stuck >= (opts.maxStuckBatches ?? 3)) {
      report.failedRecords = batch.length;
      break;
    }
    opts.onProgress?.(report);
  }
  return report;
}
