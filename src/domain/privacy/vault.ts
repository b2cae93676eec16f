import { createHmac } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { KeyWrapper } from '../../ports/key-wrapper';
import type { VaultEntry, VaultStore } from '../../ports/vault';
import type { IdentityKey } from '../event';
import { open, seal } from './sealed';

/**
 * The PII vault: the clear values a business needs (names, postal address, email and phone for
 * activation, full birthdate and postcode) kept apart from the lake, keyed by the subject the lake
 * knows only as a token (`user_id:…`, `email_hash:…`, `anonymous_id:…`). Each subject has its own
 * data key (wrapped by the vault key, context {purpose: vault, subject}); its entries are sealed
 * with it, and entry ids are HMACs under it, so nothing about the value is readable without the
 * key. Forgetting a subject deletes its key: from then on no copy of its entries can be opened.
 */
export type PiiKind = 'email' | 'phone' | 'name' | 'address' | 'birthdate' | 'postcode';

export interface VaultValue {
  kind: PiiKind;
  /** The field it came from (`firstName`, `email`, …). */
  field: string;
  value: string;
}

/** Subjects whose keys are created or unwrapped at once (KMS and DynamoDB calls in flight). */
const KEY_CONCURRENCY = 16;

export class PiiVault {
  /**
   * Unwrapped data keys by their wrapped bytes, for the life of the container: a subject seen in
   * an earlier batch costs no KMS Decrypt. Keyed by the wrapped key the store returns, so a
   * shredded subject (its wrapped key deleted) never reuses its old key.
   */
  private readonly unwrapped = new Map<string, Buffer>();
  /**
   * Subjects' wrapped keys as the store last returned them, for a minute: a person in every batch
   * costs one key read a minute, not one a batch. A minute is far inside the erasure's wait
   * between suppressing a person and shredding their key (SUPPRESSION_WAIT_SECONDS, 300), and a
   * suppressed person's events never reach the vault, so no shredded key is used again.
   */
  private readonly wrappedOf: LRUCache<string, Buffer>;

  constructor(
    private readonly store: VaultStore,
    private readonly keys: KeyWrapper,
    private readonly cacheSize = 10_000,
    wrappedTtlMs = 60_000,
  ) {
    this.wrappedOf = new LRUCache({ max: cacheSize, ttl: wrappedTtlMs });
  }

  private async unwrap(subject: string, wrapped: Buffer): Promise<Buffer> {
    const id = wrapped.toString('base64');
    const hit = this.unwrapped.get(id);
    if (hit) return hit;
    return this.remember(id, await this.keys.unwrap(wrapped, { purpose: 'vault', subject }));
  }

  private remember(id: string, key: Buffer): Buffer {
    if (this.unwrapped.size >= this.cacheSize)
      this.unwrapped.delete(this.unwrapped.keys().next().value as string);
    this.unwrapped.set(id, key);
    return key;
  }

  private async keyOf(
    subject: string,
    create: boolean,
    stored?: Buffer | null,
    known?: Map<string, Buffer>,
  ): Promise<Buffer | null> {
    const context = { purpose: 'vault', subject };
    let wrapped = stored === undefined ? await this.store.getKey(subject) : stored;
    if (!wrapped) {
      if (!create) return null;
      const fresh = await this.keys.generate(context);
      wrapped = await this.store.putKeyIfAbsent(subject, fresh.wrapped);
      known?.set(subject, wrapped);
      this.wrappedOf.set(subject, wrapped);
      if (wrapped === fresh.wrapped) return this.remember(wrapped.toString('base64'), fresh.plaintext);
    }
    return this.unwrap(subject, wrapped);
  }

  /**
   * The wrapped keys of subjects, read in one batch except those `known` already holds (what an
   * earlier call in the same batch read or created); what is read is added to `known`.
   */
  private async storedKeys(subjects: string[], given?: Map<string, Buffer>): Promise<Map<string, Buffer>> {
    const known = given ?? new Map<string, Buffer>();
    const missing: string[] = [];
    for (const s of subjects) {
      if (known.has(s)) continue;
      const cached = this.wrappedOf.get(s);
      if (cached) known.set(s, cached);
      else missing.push(s);
    }
    if (missing.length)
      for (const [s, k] of await this.store.getKeys(missing)) {
        known.set(s, k);
        this.wrappedOf.set(s, k);
      }
    return known;
  }

  /**
   * Stores values under their subject (idempotent: the same value gets the same entry id). The
   * subjects' keys are read in one batch, the missing ones created (one KMS data key and one
   * conditional write each, a few at a time), and all entries written in batches.
   */
  async put(bySubject: Map<string, VaultValue[]>, known?: Map<string, Buffer>): Promise<number> {
    const subjects = [...bySubject].filter(([, v]) => v.length).map(([s]) => s);
    if (!subjects.length) return 0;
    const stored = await this.storedKeys(subjects, known);
    const entries = new Map<string, VaultEntry[]>();
    let n = 0;
    for (let i = 0; i < subjects.length; i += KEY_CONCURRENCY) {
      await Promise.all(
        subjects.slice(i, i + KEY_CONCURRENCY).map(async (subject) => {
          const key = (await this.keyOf(subject, true, stored.get(subject) ?? null)) as Buffer;
          const byId = new Map<string, VaultEntry>();
          for (const v of bySubject.get(subject) ?? []) {
            const text = JSON.stringify([v.kind, v.field, v.value]);
            const id = createHmac('sha256', key).update(text).digest('hex');
            if (!byId.has(id)) byId.set(id, { id, sealed: seal(text, key, subject) });
          }
          entries.set(subject, [...byId.values()]);
          n += byId.size;
        }),
      );
    }
    await this.store.putAllEntries(entries);
    return n;
  }

  /**
   * Seals texts under their subjects' data keys (created when absent, as `put` does), with the
   * purpose bound as associated data: forgetting a subject makes every copy unreadable, wherever
   * it is stored (the raw archive, ports of this vault's keys). Keys are read in one batch.
   */
  async sealFor(
    bySubject: ReadonlyMap<string, string[]>,
    purpose: string,
    known?: Map<string, Buffer>,
  ): Promise<Map<string, string[]>> {
    const subjects = [...bySubject.keys()];
    const out = new Map<string, string[]>();
    if (!subjects.length) return out;
    const stored = await this.storedKeys(subjects, known);
    for (let i = 0; i < subjects.length; i += KEY_CONCURRENCY) {
      await Promise.all(
        subjects.slice(i, i + KEY_CONCURRENCY).map(async (subject) => {
          const key = (await this.keyOf(subject, true, stored.get(subject) ?? null, known)) as Buffer;
          const aad = `${purpose}:${subject}`;
          out.set(
            subject,
            (bySubject.get(subject) ?? []).map((t) => seal(t, key, aad)),
          );
        }),
      );
    }
    return out;
  }

  /**
   * Opens texts `sealFor` sealed under the subject; null when the subject has no key (it was
   * forgotten, so nothing sealed under it can be read again).
   */
  async openFor(subject: string, sealed: readonly string[], purpose: string): Promise<string[] | null> {
    const key = await this.keyOf(subject, false);
    if (!key) return null;
    const aad = `${purpose}:${subject}`;
    return sealed.map((s) => open(s, key, aad).toString('utf8'));
  }

  /** The subject's clear values (empty for an unknown or forgotten subject). */
  async reveal(subject: string): Promise<VaultValue[]> {
    const key = await this.keyOf(subject, false);
    if (!key) return [];
    return (await this.store.entries(subject)).map((e) => {
      const [kind, field, value] = JSON.parse(open(e.sealed, key, subject).toString('utf8')) as [
        PiiKind,
        string,
        string,
      ];
      return { kind, field, value };
    });
  }

  /** Crypto-shreds the subject (key first, then entries); false when it had nothing here. */
  shred(subject: string): Promise<boolean> {
    this.wrappedOf.delete(subject);
    return this.store.shred(subject);
  }
}

/**
 * Quarantine originals are sealed, never stored in clear: one data key per batch (context
 * {purpose: quarantine}), wrapped beside the sealed text. Replay opens them with the vault key.
 */
export interface SealedOriginal {
  sealedKey: string;
  sealedOriginal: string;
}

export async function sealOriginals(keys: KeyWrapper, originals: string[]): Promise<SealedOriginal[]> {
  if (!originals.length) return [];
  const k = await keys.generate({ purpose: 'quarantine' });
  const sealedKey = k.wrapped.toString('base64');
  return originals.map((o) => ({ sealedKey, sealedOriginal: seal(o, k.plaintext, 'quarantine') }));
}

export async function openOriginal(keys: KeyWrapper, s: SealedOriginal): Promise<string> {
  const key = await keys.unwrap(Buffer.from(s.sealedKey, 'base64'), { purpose: 'quarantine' });
  return open(s.sealedOriginal, key, 'quarantine').toString('utf8');
}

const SUBJECT_ORDER = ['user_id', 'email_hash', 'phone_hash'];
/**
 * The vault subject of an event: its strongest identity key as the identity graph names it
 * (`type:value`): a user id, else the email hash, else the phone hash, else any other key, else
 * the anonymous id. Null when the event has no identity (its clear values are then not kept).
 */
export function vaultSubject(identities: readonly IdentityKey[]): string | null {
  let best: IdentityKey | null = null;
  let rank = Number.POSITIVE_INFINITY;
  for (const k of identities) {
    const i = SUBJECT_ORDER.indexOf(k.type);
    const r = i >= 0 ? i : k.type === 'anonymous_id' ? 9 : 5;
    if (r < rank) [best, rank] = [k, r];
  }
  return best ? `${best.type}:${best.value}` : null;
}
