import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderObjectStore } from '../adapters/local/object-store';
import { type AudienceBatch, type Destination, parseDestinations } from '../domain/audience-sync';
import { AUDIENCES } from '../domain/audiences';
import { C360Error } from '../domain/errors';
import { openDuckDb } from '../etl/duckdb';
import { registerLakeViews } from '../etl/lake-views';
import {
  type AudienceEvent,
  createAudienceHandler,
  type DeliveryDeps,
  deadLetter,
  eraseFromDestinations as eraseFrom,
  redriveDestinations,
  type SyncRow,
  syncDestinations,
} from '../handlers/audience-delivery';
import { localPaths } from './local';

/**
 * Audience destinations embedded (`c360 audiences sync | redrive`, and erasure's deletes): the
 * delivery of src/handlers/audience-delivery.ts (the AWS function's too) over the data folder:
 * destinations from `DIR/state/destinations.json` (shape: src/domain/audience-sync.ts), what each
 * holds and the dead-lettered batches under `DIR/state/audiences/`, file exports under
 * `DIR/lake/exports/audiences/`, members from the lake's gold.audience_members.
 */
export type { Destination, SyncRow };

export type DeliveryOptions = Omit<DeliveryDeps, 'state' | 'exports'>;

export const destinationsFile = (dataDir?: string) => join(localPaths(dataDir).state, 'destinations.json');

export function loadDestinations(dataDir?: string): Destination[] {
  const file = destinationsFile(dataDir);
  if (!existsSync(file)) return [];
  return parseDestinations(readFileSync(file, 'utf8'), file);
}

/**
 * The data folder's delivery state (DIR/state/audiences/) and exports (DIR/lake/exports/). State
 * an earlier release kept (DIR/state/audiences/<destination>.json and dead-letter.ndjson) is
 * moved to the current layout first, so no held member or dead-lettered batch is lost.
 */
async function localDeps(dataDir: string | undefined, o: DeliveryOptions): Promise<DeliveryDeps> {
  const paths = localPaths(dataDir);
  const state = new FolderObjectStore(paths.state);
  const legacy = join(paths.state, 'audiences');
  if (existsSync(legacy)) {
    for (const f of await readdir(legacy)) {
      const file = join(legacy, f);
      if (f === 'dead-letter.ndjson') {
        for (const line of (await readFile(file, 'utf8')).split('\n').filter(Boolean)) {
          const { batch, error } = JSON.parse(line) as { batch: AudienceBatch; error: string };
          await deadLetter({ state, now: o.now }, batch, error);
        }
        await rm(file);
      } else if (f.endsWith('.json')) {
        await state.put(`audiences/held/${f}`, await readFile(file));
        await rm(file);
      }
    }
  }
  return { ...o, state, exports: new FolderObjectStore(paths.lake) };
}

/** Each audience's consented members after the last run (gold.audience_members); null when no run made the table yet. */
export async function currentAudiences(
  dataDir?: string,
): Promise<Map<string, { purpose: string; members: Set<string> }> | null> {
  const engine = await openDuckDb();
  try {
    const views = await registerLakeViews(engine, localPaths(dataDir).lake);
    const out = new Map<string, { purpose: string; members: Set<string> }>();
    if (!views.includes('gold.audience_members')) return null;
    for (const r of await engine.rows<{ audience: string; purpose: string; customer_id: string }>(
      'SELECT audience, purpose, customer_id FROM gold.audience_members ORDER BY audience, customer_id',
    )) {
      const a = out.get(r.audience) ?? { purpose: r.purpose, members: new Set<string>() };
      a.members.add(r.customer_id);
      out.set(r.audience, a);
    }
    return out;
  } finally {
    engine.close();
  }
}

export type AudienceSummary = {
  audience: string;
  purpose: string;
  members: number;
  entered: number;
  exited: number;
  as_of: string | null;
  description: string;
};

/**
 * `c360 audiences list`: every defined audience (src/domain/audiences.ts) with its size and who
 * entered and left in the last run (gold.audience_daily); an audience the definitions no longer
 * hold but destinations still might is not listed (the next sync sends its exits).
 */
export async function audienceSummaries(dataDir?: string): Promise<AudienceSummary[] | null> {
  const engine = await openDuckDb();
  try {
    const views = await registerLakeViews(engine, localPaths(dataDir).lake);
    if (!views.includes('gold.audience_members')) return null;
    const daily = views.includes('gold.audience_daily')
      ? await engine.rows<{ audience: string; size: bigint; entered: bigint; exited: bigint; as_of: string }>(
          `SELECT audience, size, entered, exited, CAST(as_of AS VARCHAR) AS as_of FROM gold.audience_daily
           WHERE as_of = (SELECT max(as_of) FROM gold.audience_daily)`,
        )
      : [];
    const sizes = new Map(
      (
        await engine.rows<{ audience: string; n: bigint }>(
          'SELECT audience, count(*) AS n FROM gold.audience_members GROUP BY audience',
        )
      ).map((r) => [r.audience, Number(r.n)]),
    );
    return AUDIENCES.map((d) => {
      const day = daily.find((r) => r.audience === d.name);
      return {
        audience: d.name,
        purpose: d.purpose,
        members: sizes.get(d.name) ?? 0,
        entered: Number(day?.entered ?? 0),
        exited: Number(day?.exited ?? 0),
        as_of: day?.as_of ?? null,
        description: d.description,
      };
    });
  } finally {
    engine.close();
  }
}

/**
 * The audience function's role embedded (the daily pipeline's SyncAudiences state and the forget
 * state machine's EraseFromDestinations): the same handler over the data folder, its
 * destinations from DIR/state/destinations.json.
 */
export async function createLocalAudienceHandler(
  dataDir: string | undefined,
  bucket: string,
  o: DeliveryOptions = {},
): Promise<(event: AudienceEvent) => Promise<unknown>> {
  const deps = await localDeps(dataDir, o);
  return createAudienceHandler({
    ...deps,
    bucket,
    lake: new FolderObjectStore(localPaths(dataDir).lake),
    destinations: async () => loadDestinations(dataDir),
  });
}

/** `c360 audiences sync`: every destination brought to what gold.audience_members holds now. */
export async function syncAudiences(
  opts: { dataDir?: string; destinations?: Destination[]; only?: string } & DeliveryOptions = {},
): Promise<SyncRow[]> {
  const { dataDir, destinations, only, ...o } = opts;
  const current = await currentAudiences(dataDir);
  if (!current)
    throw new C360Error('no gold.audience_members yet: run "c360 pipeline run" (or npm start) first');
  return syncDestinations(
    await localDeps(dataDir, o),
    destinations ?? loadDestinations(dataDir),
    current,
    only,
  );
}

/** `c360 audiences redrive`: the dead-lettered batches sent again (same bytes, same keys); those refused again stay. */
export async function redriveAudiences(
  opts: { dataDir?: string; destinations?: Destination[] } & DeliveryOptions = {},
): Promise<{ redriven: number; still_failing: number }> {
  const { dataDir, destinations, ...o } = opts;
  return redriveDestinations(await localDeps(dataDir, o), destinations ?? loadDestinations(dataDir));
}

/** Erasure's part (`c360 forget`): `delete` sent to every destination holding the customers. */
export async function eraseFromDestinations(
  opts: { dataDir?: string; customerIds: readonly string[]; destinations?: Destination[] } & DeliveryOptions,
): Promise<SyncRow[]> {
  const { dataDir, destinations, customerIds, ...o } = opts;
  return eraseFrom(await localDeps(dataDir, o), destinations ?? loadDestinations(dataDir), customerIds);
}
