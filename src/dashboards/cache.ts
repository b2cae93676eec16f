import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FlatCache } from 'flat-cache';
import type { Engine } from '../etl/duckdb';
import { localPaths } from '../paths';

/**
 * Dashboard query results cached on disk (flat-cache: entries with a TTL, persisted between
 * runs), keyed by the query and the warehouse's data version. The version is the latest load in
 * gold.load_audit: every warehouse load writes one, so a load by the pipeline invalidates every
 * cached result at once (the cache is cleared when the version changes). Each dashboard sets its
 * TTL: a minute for the real-time tier, an hour for the daily views.
 */
/** Where the embedded dashboards keep their cache (derived data: `c360 forget` removes it). */
export const dashboardCacheDir = (dataDir: string) => join(localPaths(dataDir).state, 'dashboard-cache');

export interface CacheStats {
  hits: number;
  misses: number;
}

/** The warehouse's data version: its latest load (every load writes gold.load_audit). */
export async function warehouseVersion(warehouse: Pick<Engine, 'rows'>): Promise<string> {
  const [r] = await warehouse.rows<{ v: string | null }>(
    'SELECT CAST(max(loaded_at) AS VARCHAR) AS v FROM gold.load_audit',
  );
  return r?.v ?? 'never loaded';
}

export class DashboardCache {
  private readonly cache: FlatCache;
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private version: string | null = null;

  constructor(dir: string) {
    this.cache = new FlatCache({ cacheDir: dir, cacheId: 'dashboard-queries' });
    this.cache.load();
  }

  /** Reads the warehouse's data version; a new one (a load happened) clears every entry. */
  async open(warehouse: Engine): Promise<void> {
    this.version = await warehouseVersion(warehouse);
    if (this.cache.getKey<string>('__version') !== this.version) {
      this.cache.clear();
      this.cache.setKey('__version', this.version);
    }
  }

  /** The rows of `sql`: from the cache while fresh, else from the warehouse (and cached for ttlMs). */
  async rows<T extends Record<string, unknown>>(warehouse: Engine, sql: string, ttlMs: number): Promise<T[]> {
    if (this.version === null) throw new Error('DashboardCache.open() must run before rows()');
    const key = createHash('sha256').update(sql).digest('hex');
    const hit = this.cache.getKey<T[]>(key);
    if (hit !== undefined) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    const rows = await warehouse.rows<T>(sql);
    // Plain JSON values only (BigInt-free: the engine returns numbers and strings).
    this.cache.setKey(key, rows, ttlMs);
    return rows;
  }

  save(): void {
    this.cache.save();
  }
}
