import { createHmac } from 'node:crypto';
import type { KeyWrapper } from '../../ports/key-wrapper';
import type { VaultStore } from '../../ports/vault';
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

export class PiiVault {
  constructor(
    private readonly store: VaultStore,
    private readonly keys: KeyWrapper,
  ) {}

  private async keyOf(subject: string, create: boolean): Promise<Buffer | null> {
    const context = { purpose: 'vault', subject };
    let wrapped = await this.store.getKey(subject);
    if (!wrapped) {
      if (!create) return null;
      const fresh = await this.keys.generate(context);
      wrapped = await this.store.putKeyIfAbsent(subject, fresh.wrapped);
      if (wrapped === fresh.wrapped) return fresh.plaintext;
    }
    return this.keys.unwrap(wrapped, context);
  }

  /** Stores values under their subject (idempotent: the same value gets the same entry id). */
  async put(bySubject: Map<string, VaultValue[]>): Promise<number> {
    let n = 0;
    for (const [subject, values] of bySubject) {
      if (!values.length) continue;
      const key = (await this.keyOf(subject, true)) as Buffer;
      const entries = values.map((v) => {
        const text = JSON.stringify([v.kind, v.field, v.value]);
        return { id: createHmac('sha256', key).update(text).digest('hex'), sealed: seal(text, key, subject) };
      });
      await this.store.putEntries(subject, entries);
      n += entries.length;
    }
    return n;
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
