import { createRequire } from 'node:module';
import type { GeoLookup } from '../domain/enrich/geo';
import type { GeoInfo } from '../domain/event';

type GeoipLite = { lookup(ip: string): { country: string; region: string; city: string } | null };

/**
 * Offline IP geolocation with geoip-lite 1.4 (MaxMind GeoLite data inside the package,
 * CC BY-SA 4.0). Its database takes ~200 MB of RSS, so it is loaded lazily on first use and
 * once per process; the enrich Lambda is sized for it (see template.yaml), and GEO_ENABLED=false
 * turns it off.
 */
export class GeoipLiteLookup implements GeoLookup {
  private db: GeoipLite | null = null;
  private readonly cache = new Map<string, GeoInfo | null>();

  lookup(ip: string): GeoInfo | null {
    const cached = this.cache.get(ip);
    if (cached !== undefined) return cached;
    // Resolved at run time (not bundled): its data files live beside its code.
    const base = typeof __filename === 'string' ? __filename : `${process.cwd()}/`;
    this.db ??= createRequire(base)('geoip-lite') as GeoipLite;
    const r = this.db.lookup(ip);
    const info = r ? { country: r.country || null, region: r.region || null, city: r.city || null } : null;
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(ip, info);
    return info;
  }
}
