import { createHash } from 'node:crypto';
import type { ShardCheckpoint } from '../ports/checkpoint';

/**
 * The pure part of the enrich stage's shard checkpoint (ports/checkpoint.ts): which records of a
 * batch were already handled, and the checkpoint a batch leaves behind.
 */

/** Kinesis sequence numbers are decimal strings of up to 128 digits: compared as numbers. */
export function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An event key as the checkpoint keeps it: 96 bits of its SHA-256 (base64url, 16 characters). */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

/** The most event keys a checkpoint keeps after `through` (about 300 KB of the 400 KB a DynamoDB item holds). */
export const MAX_BEYOND_KEYS = 16_000;

export const emptyCheckpoint = (): ShardCheckpoint => ({ through: null, beyond: [], version: 0 });

/** True when every event of the record was already stored or quarantined by an earlier batch. */
export function alreadyHandled(cp: ShardCheckpoint, seq: string): boolean {
  return cp.through !== null && compareSequence(seq, cp.through) <= 0;
}

/** The digests of the events delivered from records after `through` (dropped as duplicates on redelivery). */
export function deliveredBeyond(cp: ShardCheckpoint): Set<string> {
  return new Set(cp.beyond.flatMap((b) => b.keys));
}

/** One record of a batch, in shard order, as the batch ended for it. */
export interface RecordOutcome {
  seq: string;
  /** All its events stored, quarantined or dropped: Kinesis need not deliver it again. */
  done: boolean;
  /** The event keys this batch delivered from it (whatever `done`). */
  deliveredKeys: string[];
}

/**
 * The checkpoint after a batch: `through` moves to the end of the batch's leading run of done
 * records; from the first record not done on, the keys delivered from each record are kept
 * (Kinesis delivers those records again with the failed one). Entries at or before the new
 * `through` are dropped. Returns null when nothing changed. When more than MAX_BEYOND_KEYS keys
 * would be kept, the entries furthest from `through` are dropped (a redelivery may then store
 * their events twice in bronze; silver keeps one).
 */
export function advanceCheckpoint(
  cp: ShardCheckpoint,
  outcomes: RecordOutcome[],
): { next: Omit<ShardCheckpoint, 'version'>; droppedKeys: number } | null {
  let through = cp.through;
  let i = 0;
  for (; i < outcomes.length && (outcomes[i] as RecordOutcome).done; i++) {
    const seq = (outcomes[i] as RecordOutcome).seq;
    if (through === null || compareSequence(seq, through) > 0) through = seq;
  }
  const kept = new Map<string, Set<string>>();
  const keep = (seq: string, keys: Iterable<string>) => {
    if (through !== null && compareSequence(seq, through) <= 0) return;
    const set = kept.get(seq) ?? new Set<string>();
    for (const k of keys) set.add(k);
    if (set.size) kept.set(seq, set);
  };
  for (const b of cp.beyond) keep(b.seq, b.keys);
  for (const o of outcomes.slice(i)) keep(o.seq, o.deliveredKeys.map(keyDigest));
  const ordered = [...kept.entries()].sort(([a], [b]) => compareSequence(a, b));
  const beyond: ShardCheckpoint['beyond'] = [];
  let total = 0;
  let droppedKeys = 0;
  for (const [seq, keys] of ordered) {
    if (total + keys.size > MAX_BEYOND_KEYS) {
      droppedKeys += keys.size;
      continue;
    }
    total += keys.size;
    beyond.push({ seq, keys: [...keys] });
  }
  const unchanged =
    through === cp.through &&
    beyond.length === cp.beyond.length &&
    beyond.every((b, j) => b.seq === cp.beyond[j]?.seq && b.keys.length === cp.beyond[j]?.keys.length);
  return unchanged ? null : { next: { through, beyond }, droppedKeys };
}
