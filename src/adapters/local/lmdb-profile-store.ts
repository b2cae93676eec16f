import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import type { ComputedProfile, LiveProfile } from '../../domain/profile';
import type { ProfileStore } from '../../ports/profile-store';

/**
 * The embedded profile store on LMDB (lmdb-js): a memory-mapped B+tree that several processes
 * read and write at once (the consumer process links keys and writes live halves while
 * `c360 serve` answers lookups and the pipeline writes computed halves). Chosen by measurement:
 * a point read takes about 3 µs here against about 640 µs for a primary-key lookup in DuckDB
 * (the embedded warehouse), which also allows only one writing process. Three named databases:
 * `identities` (key → customer), `live`, `computed` (customer → half). Values are msgpack.
 */
export class LmdbProfileStore implements ProfileStore {
  private readonly root: RootDatabase;
  private readonly ids: ReturnType<RootDatabase['openDB']>;
  private readonly liveDb: ReturnType<RootDatabase['openDB']>;
  private readonly computedDb: ReturnType<RootDatabase['openDB']>;

  /**
   * `encryptionKey` (32 bytes): every page encrypted at rest, as DynamoDB encrypts its tables, so
   * a page an erasure freed (LMDB copies on write and reuses pages later) holds nothing readable.
   */
  constructor(
    readonly dir: string,
    encryptionKey?: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.root = open({ path: dir, maxDbs: 4, ...(encryptionKey ? { encryptionKey } : {}) });
    this.ids = this.root.openDB({ name: 'identities' });
    this.liveDb = this.root.openDB({ name: 'live' });
    this.computedDb = this.root.openDB({ name: 'computed' });
  }

  /** The synchronous reads the profile API uses (no promise per lookup). */
  customerOfSync(node: string): string | undefined {
    return this.ids.get(node) as string | undefined;
  }
  liveSync(customerId: string): LiveProfile | undefined {
    return this.liveDb.get(customerId) as LiveProfile | undefined;
  }
  computedSync(customerId: string): ComputedProfile | undefined {
    return this.computedDb.get(customerId) as ComputedProfile | undefined;
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
      for (const [n, c] of links) this.ids.put(n, c);
      for (const p of profiles) this.liveDb.put(p.customerId, p);
    });
  }

  async writeComputed(
    links: ReadonlyMap<string, string>,
    profiles: readonly ComputedProfile[],
  ): Promise<void> {
    await this.root.transaction(() => {
      for (const [n, c] of links) this.ids.put(n, c);
      for (const p of profiles) this.computedDb.put(p.customerId, p);
    });
  }

  async remove(customerIds: readonly string[], nodes: readonly string[]): Promise<void> {
    await this.root.transaction(() => {
      const gone = new Set(customerIds);
      for (const id of customerIds) {
        for (const n of [
          ...((this.liveSync(id)?.identities ?? []) as string[]),
          ...((this.computedSync(id)?.identities ?? []) as string[]),
        ])
          if (gone.has(this.customerOfSync(n) ?? '')) this.ids.remove(n);
        this.liveDb.remove(id);
        this.computedDb.remove(id);
      }
      for (const n of nodes) this.ids.remove(n);
    });
  }

  /** The customers with a computed half. */
  *computedIds(): Iterable<string> {
    for (const k of this.computedDb.getKeys()) yield String(k);
  }

  /** Drops computed halves (customers a daily run no longer has) and the links that still point at them. */
  async removeComputed(customerIds: readonly string[]): Promise<void> {
    if (!customerIds.length) return;
    await this.root.transaction(() => {
      for (const id of customerIds) {
        for (const n of this.computedSync(id)?.identities ?? [])
          if (this.customerOfSync(n) === id && !this.liveSync(id)) this.ids.remove(n);
        this.computedDb.remove(id);
      }
    });
  }

  /** Every customer with a half (erasure by pattern, counts). */
  *customerIds(): Iterable<string> {
    const seen = new Set<string>();
    for (const k of this.liveDb.getKeys()) if (!seen.has(String(k))) seen.add(String(k));
    for (const k of this.computedDb.getKeys()) if (!seen.has(String(k))) seen.add(String(k));
    yield* seen;
  }

  /** Every key link (erasure finds a customer's keys that no half lists). */
  *links(): Iterable<[string, string]> {
    for (const { key, value } of this.ids.getRange()) yield [String(key), String(value)];
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
