import type { KeyWrapper } from '../ports/key-wrapper';
import { contextAad, open, seal } from './privacy/sealed';
import type { PiiVault } from './privacy/vault';

/**
 * The raw archive: every stream record exactly as the edge wrote it (the webhook's body byte for
 * byte, the SDK's message, the postback's query), kept so a normalizer fix can be applied to
 * history (`c360 reprocess`). Bronze is normalized and the stream keeps raw records 7 days, so
 * without it a fix applies only from the day it ships.
 *
 * Sealed, never clear: a record whose events name a person is sealed under that person's vault
 * key (the vault subject of its first event), so `c360 forget`, which shreds the key, makes every
 * archived copy unreadable too. A record with no subject (it named nobody, or could not be read
 * as events) is sealed under a data key of its batch, wrapped beside it, as quarantine originals
 * are. Partitioned by arrival (`raw/dt=/hour=`), the same time bronze is partitioned by, so a
 * reprocessed day replaces exactly one bronze day.
 */
export interface ArchivedRecord {
  v: 1;
  /** When the edge received it (the envelope's receivedAt; the batch's time if unreadable). */
  receivedAt: string;
  /** `<shard>/<sequence number>` it had on the stream. */
  origin: string;
  /** The vault subject it is sealed under, or null (sealed under `key`). */
  subject: string | null;
  /** The wrapped batch data key (base64), when `subject` is null. */
  key?: string;
  sealed: string;
}

export const RAW_PURPOSE = 'raw-archive';

/** When the archive began (`{"since": ISO time}`): the first day it covers whole is the next one. */
export const ARCHIVE_SINCE_KEY = 'raw/_since.json';

/** The archive's key prefix for a record received at `receivedAt` (template.yaml uses the same). */
export function rawPrefix(receivedAt: string): string {
  return `raw/dt=${receivedAt.slice(0, 10)}/hour=${receivedAt.slice(11, 13)}/`;
}

/**
 * An archived record's line. The sealed text is base64url and dots, so it goes in unescaped (the
 * line is built, not stringified: scanning every sealed byte for escapes was most of its cost).
 */
export function archiveLine(a: ArchivedRecord): string {
  const key = a.key === undefined ? '' : `,"key":${JSON.stringify(a.key)}`;
  return `{"v":1,"receivedAt":${JSON.stringify(a.receivedAt)},"origin":${JSON.stringify(a.origin)},"subject":${JSON.stringify(a.subject)}${key},"sealed":"${a.sealed}"}`;
}

export interface RawRecord {
  text: string;
  receivedAt: string;
  origin: string;
  subject: string | null;
}

/** Seals a batch's records: one vault key read per subject, one batch key for the rest. */
export async function sealRaw(
  vault: PiiVault,
  keys: KeyWrapper,
  known: Map<string, Buffer> | undefined,
  records: readonly RawRecord[],
): Promise<ArchivedRecord[]> {
  const bySubject = new Map<string, string[]>();
  let unowned = 0;
  for (const r of records) {
    if (r.subject === null) unowned++;
    else {
      const list = bySubject.get(r.subject);
      if (list) list.push(r.text);
      else bySubject.set(r.subject, [r.text]);
    }
  }
  const sealed = await vault.sealFor(bySubject, RAW_PURPOSE, known);
  const batchKey = unowned ? await keys.generate({ purpose: RAW_PURPOSE }) : null;
  const wrapped = batchKey?.wrapped.toString('base64');
  const next = new Map<string, number>();
  return records.map((r) => {
    const base = { v: 1 as const, receivedAt: r.receivedAt, origin: r.origin, subject: r.subject };
    if (r.subject === null) {
      const k = batchKey as { plaintext: Buffer };
      return {
        ...base,
        key: wrapped as string,
        sealed: seal(r.text, k.plaintext, contextAad({ purpose: RAW_PURPOSE })),
      };
    }
    const i = next.get(r.subject) ?? 0;
    next.set(r.subject, i + 1);
    return { ...base, sealed: (sealed.get(r.subject) as string[])[i] as string };
  });
}

/**
 * Opens archived records: their text, or null where the subject was forgotten (its key is gone).
 * A record whose line cannot be opened otherwise (tampered, wrong key) throws: history is not
 * silently shortened.
 */
export async function openRaw(
  vault: PiiVault,
  keys: KeyWrapper,
  records: readonly ArchivedRecord[],
): Promise<(string | null)[]> {
  const bySubject = new Map<string, number[]>();
  const out: (string | null)[] = new Array(records.length).fill(null);
  const batchKeys = new Map<string, Buffer>();
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as ArchivedRecord;
    if (r.v !== 1 || typeof r.sealed !== 'string')
      throw new Error(`raw archive record ${r.origin ?? i} is not v1 (expected v: 1 and sealed)`);
    if (r.subject === null) {
      if (!r.key) throw new Error(`raw archive record ${r.origin} has neither a subject nor a key`);
      let k = batchKeys.get(r.key);
      if (!k) {
        k = await keys.unwrap(Buffer.from(r.key, 'base64'), { purpose: RAW_PURPOSE });
        batchKeys.set(r.key, k);
      }
      out[i] = open(r.sealed, k, contextAad({ purpose: RAW_PURPOSE })).toString('utf8');
    } else {
      const list = bySubject.get(r.subject);
      if (list) list.push(i);
      else bySubject.set(r.subject, [i]);
    }
  }
  for (const [subject, indexes] of bySubject) {
    const texts = await vault.openFor(
      subject,
      indexes.map((i) => (records[i] as ArchivedRecord).sealed),
      RAW_PURPOSE,
    );
    if (!texts) continue;
    indexes.forEach((i, j) => {
      out[i] = texts[j] as string;
    });
  }
  return out;
}
