import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import { open as openSealed, seal } from '../../domain/privacy/sealed';
import type { ComputedProfile, LiveProfile } from '../../domain/profile';
import type { ProfileStore } from '../../ports/profile-store';

/**
 * The embedded profile store on LMDB (lmdb-js): a memory-mapped B+tree that several processes
 * read and write at once (the consumer process links keys and writes live halves while
 * `c360 serve` answers lookups and the pipeline writes computed halves). Chosen by measurement:
 * a point read takes about 3 µs here against about 640 µs for a primary-key lookup in DuckDB
 * (the embedded warehouse), which also allows only one writing process.
 *
 * Encrypted at rest, as DynamoDB encrypts its tables: LMDB copies pages on write and reuses freed
 * ones later, so an erased profile's bytes may stay in the file for a while. Every key is a keyed
 * hash (HMAC-SHA256 of `<kind>:<id>`) and every value is sealed (AES-256-GCM, the key as
 * associated data), both under keys derived from `secret`: what an erasure freed holds nothing
 * readable, and no customer id or identity key is ever in the file in clear. (LMDB's own page
 * encryption in lmdb-js corrupts its free list on large writes here, so the values are sealed
 * one by one instead.) Three named databases: `identities` (key → customer), `live`, `computed`.
 */
export class LmdbProfileStore implements ProfileStore {
  private readonly root: RootDatabase;
  private readonly ids: ReturnType<RootDatabase['openDB']>;
  private readonly liveDb: ReturnType<RootDatabase['openDB']>;
  private readonly computedDb: ReturnType<RootDatabase['openDB']>;
  private readonly keyKey: Buffer;
  private readonly valueKey: Buffer;

  constructor(
    readonly dir: string,
    secret: Buffer | string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.keyKey = createHmac('sha256', secret).update('c360 profile store keys').digest();
    this.valueKey = createHmac('sha256', secret).update('c360 profile store values').digest();
    this.root = open({ path: dir, maxDbs: 4 });
    this.ids = this.root.openDB({ name: 'identities' });
    this.liveDb = this.root.openDB({ name: 'live' });
    this.computedDb = this.root.openDB({ name: 'computed' });
  }

  private key(kind: string, id: string): string {
    return createHmac('sha256', this.keyKey).update(`${kind}:${id}`).digest('base64url');
  }

  private read<T>(db: ReturnType<RootDatabase['openDB']>, key: string): T | undefined {
    const sealed = db.get(key) as string | undefined;
    return sealed === undefined
      ? undefined
      : (JSON.parse(openSealed(sealed, this.valueKey, key).toString('utf8')) as T);
  }

  private write(db: ReturnType<RootDatabase['openDB']>, key: string, value: unknown): void {
    db.put(key, seal(JSON.stringify(value), this.valueKey, key));
  }

  /** The synchronous reads the profile API uses (no promise per lookup). */
  customerOfSync(node: string): string | undefined {
    return this.read<string>(this.ids, this.key('node', node));
  }
  liveSync(customerId: string): LiveProfile | undefined {
    return this.read<LiveProfile>(this.liveDb, this.key('live', customerId));
  }
  computedSync(customerId: string): ComputedProfile | undefined {
    return this.read<ComputedProfile>(this.computedDb, this.key('computed', customerId));
  }

  async customersOf(nodes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const n of nodes) {
      const c = this.customerOfSync(n);
      if (c !== undefined) out.set(n, c);
    }
    return out;
  }

  async live(customerIds: readonly string[]): Promise<Map<string, LiveProfile>> {
    const out = new Map<string, LiveProfile>();
    for (const id of customerIds) {
      const p = this.liveSync(id);
      if (p) out.set(id, p);
    }
    return out;
  }

  async computed(customerIds: readonly string[]): Promise<Map<string, ComputedProfile>> {
    const out = new Map<string, ComputedProfile>();
    for (const id of customerIds) {
      const p = this.computedSync(id);
      if (p) out.set(id, p);
    }
    return out;
  }

  async writeLive(links: ReadonlyMap<string, string>, profiles: readonly LiveProfile[]): Promise<void> {
    await this.root.transaction(() => {
      for (const [n, c] of links) this.write(this.ids, this.key('node', n), c);
      for (const p of profiles) this.write(this.liveDb, this.key('live', p.customerId), p);
    });
  }

  async writeComputed(
    links: ReadonlyMap<string, string>,
    profiles: readonly ComputedProfile[],
  ): Promise<void> {
    await this.root.transaction(() => {
      for (const [n, c] of links) this.write(this.ids, this.key('node', n), c);
      for (const p of profiles) this.write(this.computedDb, this.key('computed', p.customerId), p);
    });
  }

  async remove(customerIds: readonly string[], nodes: readonly string[]): Promise<void> {
    await this.root.transaction(() => {
      const gone = new Set(customerIds);
      for (const id of customerIds) {
        for (const n of [
          ...(this.liveSync(id)?.identities ?? []),
          ...(this.computedSync(id)?.identities ?? []),
        ])
          if (gone.has(this.customerOfSync(n) ?? '')) this.ids.remove(this.key('node', n));
        this.liveDb.remove(this.key('live', id));
        this.computedDb.remove(this.key('computed', id));
      }
      for (const n of nodes) this.ids.remove(this.key('node', n));
    });
  }

  /** The customers with a computed half (each value opened: the keys are hashes). */
  *computedIds(): Iterable<string> {
    for (const { key, value } of this.computedDb.getRange())
      yield (
        JSON.parse(
          openSealed(value as string, this.valueKey, String(key)).toString('utf8'),
        ) as ComputedProfile
      ).customerId;
  }

  /** Every live half (each value opened: the keys are hashes). */
  *liveHalves(): Iterable<LiveProfile> {
    for (const { key, value } of this.liveDb.getRange())
      yield JSON.parse(
        openSealed(value as string, this.valueKey, String(key)).toString('utf8'),
      ) as LiveProfile;
  }

  /** Moves a live half to another customer: `merged` written under its id, `from`'s removed, keys relinked. */
  async moveLive(
    fromCustomerId: string,
    merged: LiveProfile,
    relink: ReadonlyMap<string, string>,
  ): Promise<void> {
    await this.root.transaction(() => {
      for (const [n, c] of relink) this.write(this.ids, this.key('node', n), c);
      this.write(this.liveDb, this.key('live', merged.customerId), merged);
      this.liveDb.remove(this.key('live', fromCustomerId));
    });
  }

  /** Drops computed halves (customers a daily run no longer has) and the links that still point at them. */
  async removeComputed(customerIds: readonly string[]): Promise<void> {
    if (!customerIds.length) return;
    await this.root.transaction(() => {
      for (const id of customerIds) {
        for (const n of this.computedSync(id)?.identities ?? [])
          if (this.customerOfSync(n) === id && !this.liveSync(id)) this.ids.remove(this.key('node', n));
        this.computedDb.remove(this.key('computed', id));
      }
    });
  }

  /** How many live halves, computed halves and identity links the store holds. */
  counts(): { live: number; computed: number; links: number } {
    return { live: this.liveDb.getCount(), computed: this.computedDb.getCount(), links: this.ids.getCount() };
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
