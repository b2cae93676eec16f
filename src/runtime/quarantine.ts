import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { listFiles } from '../adapters/local/files';
import { FolderObjectStore } from '../adapters/local/object-store';
import type { QuarantineRecord } from '../domain/event';
import { openOriginal } from '../domain/privacy/vault';
import type { KeyWrapper } from '../ports/key-wrapper';
import type { ObjectStore } from '../ports/object-store';
import type { EnrichHandler } from './local-enrich';

/**
 * Quarantine inspection and replay for the embedded lake. Replay re-drives the original stream
 * records through the enrich handler (normalize → validate → enrich → deliver), typically after
 * a schema or normalizer fix. Replayed files move to quarantine-replayed/ so nothing is replayed
 * twice; records that still fail are quarantined again by the handler, with today's reason.
 */
export interface QuarantineFile {
  path: string;
  reason: string;
  dt: string;
}

export async function listQuarantineFiles(lakeDir: string, filter: { reason?: string; since?: string } = {}) {
  const root = join(lakeDir, 'quarantine');
  const out: QuarantineFile[] = [];
  for (const p of await listFiles(root, '.ndjson.gz')) {
    const rel = relative(root, p);
    const reason = /reason=([^/]+)/.exec(rel)?.[1] ?? 'unknown';
    const dt = /dt=([^/]+)/.exec(rel)?.[1] ?? '';
    if (filter.reason && reason !== filter.reason) continue;
    if (filter.since && dt < filter.since) continue;
    out.push({ path: p, reason, dt });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

export async function readQuarantineFile(path: string): Promise<QuarantineRecord[]> {
  const text = gunzipSync(await readFile(path)).toString('utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as QuarantineRecord);
}

/** A quarantine record's original text: read back from the lake when stored apart, opened when sealed. */
export async function originalOf(
  q: QuarantineRecord,
  store: ObjectStore,
  keys?: KeyWrapper,
): Promise<string> {
  const body = q.originalRef
    ? (await store.get(q.originalRef)).toString('utf8')
    : (q.sealedOriginal ?? q.original);
  if (q.sealedKey === undefined) return body;
  if (!keys)
    throw new Error(
      'this quarantine record is sealed with the vault key; open it with the data folder that wrote it',
    );
  return openOriginal(keys, { sealedKey: q.sealedKey, sealedOriginal: body });
}

export interface ReplayReport {
  files: number;
  records: number;
  passed: number;
  duplicates: number;
  stillFailing: number;
  byReason: Record<string, number>;
}

export async function replayQuarantine(opts: {
  lakeDir: string;
  handler: EnrichHandler;
  reason?: string;
  since?: string;
  now: () => Date;
  /** The vault key, to open sealed originals. */
  keys?: KeyWrapper;
}): Promise<ReplayReport> {
  const files = await listQuarantineFiles(opts.lakeDir, { reason: opts.reason, since: opts.since });
  const report: ReplayReport = {
    files: files.length,
    records: 0,
    passed: 0,
    duplicates: 0,
    stillFailing: 0,
    byReason: {},
  };
  const stamp = opts.now().toISOString().replace(/[-:.]/g, '');
  let seq = 0;
  for (const file of files) {
    const rows = await readQuarantineFile(file.path);
    // Originals stored apart (too large for a quarantine line) are read back from the lake.
    const store = new FolderObjectStore(opts.lakeDir);
    for (const q of rows) q.original = await originalOf(q, store, opts.keys);
    const records: KinesisStreamRecord[] = rows.map((q) => {
      const looksJson = q.original.startsWith('{') || q.original.startsWith('[');
      seq++;
      return {
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `replay:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'local',
        awsRegion: 'local',
        eventSourceARN: 'arn:aws:kinesis:local:000000000000:stream/c360-replay',
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'replay',
          sequenceNumber: String(seq).padStart(20, '0'),
          data: looksJson ? Buffer.from(q.original, 'utf8').toString('base64') : q.original,
          approximateArrivalTimestamp: opts.now().getTime() / 1000,
        },
      };
    });
    const { failed, stats } = await opts.handler.process(records);
    if (failed.size > 0) {
      throw new Error(
        `replay of ${file.path} could not deliver ${failed.size} record(s); the file was left in place`,
      );
    }
    report.records += rows.length;
    report.passed += stats.delivered;
    report.duplicates += stats.duplicates;
    report.stillFailing += stats.quarantined;
    report.byReason[file.reason] = (report.byReason[file.reason] ?? 0) + rows.length;
    const target = join(
      opts.lakeDir,
      'quarantine-replayed',
      stamp,
      relative(join(opts.lakeDir, 'quarantine'), file.path),
    );
    await mkdir(dirname(target), { recursive: true });
    await rename(file.path, target);
  }
  return report;
}
