import type { GeoInfo } from '../event';

/**
 * Geo lookup is a port: the offline database (geoip-lite, ~150 MB) lives in an adapter
 * (src/adapters/geoip.ts) so pure code and tests do not load it.
 */
export interface GeoLookup {
  lookup(ip: string): GeoInfo | null;
}

/** A lookup that knows nothing (geo disabled by config). */
export const noGeo: GeoLookup = { lookup: () => null };
