import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSuppressionList } from '../adapters/local/file-suppression';
import { LmdbProfileStore } from '../adapters/local/lmdb-profile-store';
import { FileSecretStore } from '../adapters/local/secrets';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import { SecretReadKeys, TokenBucketLimiter } from '../adapters/write-keys';
import type { LiveTimelines } from '../dashboards/render';
import { Pseudonymizer } from '../domain/enrich/pii';
import { type ComputedRow, computedFromRow, mergeLive } from '../domain/profile';
import { HashedReadKeys, type ReadKeyGrant } from '../domain/read-keys';
import { openDuckDb } from '../etl/duckdb';
import { registerLakeViews } from '../etl/lake-views';
import { createProfileApiHandler } from '../handlers/profile-api';
import { createProfileStreamHandler, type ProfileStreamStats } from '../handlers/profile-stream';
import { projectRoot } from '../paths';
import type { StoredStreamRecord } from '../ports/stream';
import { localPaths } from './local';
import { localPiiKey, toKinesisRecord } from './local-enrich';
import { createLocalRealtime } from './local-realtime';
import { ensureKeyTable } from './write-key-table';

/** The data folder's profile store (LMDB under DIR/profiles). */
export const profileStoreDir = (dataDir?: string) => join(localPaths(dataDir).root, 'profiles');

const stores = new Map<string, LmdbProfileStore>();
/** One store per folder and process (LMDB wants one environment per process). */
export function openLocalProfileStore(dataDir?: string): LmdbProfileStore {
  const dir = profileStoreDir(dataDir);
  let s = stores.get(dir);
  if (!s) {
    // Keys hashed and values sealed under a key derived from the data folder's own (pii.key or C360_PII_KEY).
    s = new LmdbProfileStore(dir, process.env.C360_PII_KEY ?? localPiiKey(localPaths(dataDir).state));
    stores.set(dir, s);
  }
  return s;
}

/**
 * The Customer 360 page's live timeline: each customer's latest stream events from the data
 * folder's profile store, newest first (undefined when the folder has no profile store).
 */
export function localLiveTimelines(dataDir?: string): LiveTimelines | undefined {
  if (!existsSync(profileStoreDir(dataDir))) return undefined;
  return async (customerIds) => {
    const live = await openLocalProfileStore(dataDir).live(customerIds);
    return new Map([...live].map(([id, p]) => [id, p.recentEvents]));
  };
}

export async function closeLocalProfileStore(dataDir?: string): Promise<void> {
  const dir = profileStoreDir(dataDir);
  const s = stores.get(dir);
  stores.delete(dir);
  await s?.close();
}

/** The key enrich pseudonymizes with (C360_PII_KEY, else the data folder's). */
export function localPseudonymizer(dataDir?: string): Pseudonymizer {
  return new Pseudonymizer(process.env.C360_PII_KEY ?? localPiiKey(localPaths(dataDir).state));
}

/**
 * The stream path embedded: the profile handler over the records the consumer completed (a tap
 * of the event source mapping, as the real-time tier is), writing the data folder's store.
 */
export function createLocalProfileStream(
  dataDir?: string,
): (records: StoredStreamRecord[]) => Promise<ProfileStreamStats> {
  const paths = localPaths(dataDir);
  const handler = createProfileStreamHandler({
    store: openLocalProfileStore(dataDir),
    pseudonymizer: localPseudonymizer(dataDir),
    suppression: new FileSuppressionList(join(paths.state, 'suppression.txt')),
    logger: new LocalLogger('c360-profile-stream', 'warn'),
    metrics: new EmfMetrics('c360', 'c360-profile-stream', paths.metrics),
  });
  return (records) => handler({ Records: records.map(toKinesisRecord) });
}

export interface ComputedSyncReport {
  profiles: number;
  links: number;
  /** Computed halves of customers no longer current (merged away, erased): removed. */
  removed: number;
  /** Live halves the stream kept under a provisional id, folded into the customer the run merged them into. */
  merged: number;
}

const BATCH = 5000;

/**
 * The daily path embedded (the SyncProfiles state; AWS: glue/profiles_sync.py into DynamoDB):
 * sql/profiles/computed.sql over the lake's gold tables and silver.identity_map, each customer's
 * computed half and identity links written in batches, then the halves of customers the run no
 * longer has removed, so the store holds what the warehouse holds.
 */
export async function syncComputedProfiles(opts: {
  dataDir?: string;
  now?: Date;
}): Promise<ComputedSyncReport> {
  const paths = localPaths(opts.dataDir);
  const sql = readFileSync(join(projectRoot(), 'sql', 'profiles', 'computed.sql'), 'utf8');
  const engine = await openDuckDb();
  let rows: ComputedRow[];
  try {
    const views = await registerLakeViews(engine, paths.lake);
    const need = ['gold.dim_customer', 'silver.identity_map'];
    if (!need.every((v) => views.includes(v))) return { profiles: 0, links: 0, removed: 0, merged: 0 };
    await engine.run('USE gold');
    await engine.run('CREATE OR REPLACE TEMP VIEW identity_map AS SELECT * FROM silver.identity_map');
    // A young lake has no scores (or no buyers): an empty table of the same shape.
    for (const [t, cols] of [
      [
        'customer_scores',
        'customer_id, CAST(NULL AS DATE) AS scored_at, CAST(NULL AS DOUBLE) AS churn_probability, CAST(NULL AS VARCHAR) AS segment, CAST(NULL AS DECIMAL(18,2)) AS clv_12m_usd, CAST(NULL AS DOUBLE) AS p_alive, CAST(NULL AS DOUBLE) AS expected_purchases_90d, CAST(NULL AS VARCHAR) AS model_version',
      ],
      [
        'customer_recommendations',
        'customer_id, CAST(NULL AS INT) AS rec_rank, CAST(NULL AS VARCHAR) AS product_id',
      ],
      ['audience_members', 'customer_id, CAST(NULL AS VARCHAR) AS audience'],
      ['customer_rfm', 'customer_id, CAST(NULL AS VARCHAR) AS segment'],
    ] as const)
      if (!views.includes(`gold.${t}`))
        await engine.run(`CREATE OR REPLACE TEMP VIEW ${t} AS SELECT ${cols} FROM dim_customer WHERE false`);
    rows = await engine.rows<ComputedRow>(sql);
  } finally {
    engine.close();
  }
  const store = openLocalProfileStore(opts.dataDir);
  const computedAt = (opts.now ?? new Date()).toISOString();
  let links = 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const halves = rows.slice(i, i + BATCH).map((r) => computedFromRow(r, computedAt));
    const byKey = new Map<string, string>();
    for (const h of halves) for (const n of h.identities) byKey.set(n, h.customerId);
    links += byKey.size;
    await store.writeComputed(byKey, halves);
  }
  const current = new Set(rows.map((r) => r.customer_id));
  const stale = [...store.computedIds()].filter((id) => !current.has(id));
  await store.removeComputed(stale);
  const merged = await mergeProvisionalLive(store, current, computedAt);
  return { profiles: rows.length, links, removed: stale.length, merged };
}

/**
 * Live halves the stream started under an id the daily run did not keep (it merged that person
 * into another customer): when its keys lead to one other customer, a current one, the half is
 * folded into that customer's, and the keys only the stream has seen follow it (src/domain/profile.ts mergeLive), so a lookup by any of
 * their keys answers with all their recent events. A half whose keys lead nowhere else stays.
 */
export async function mergeProvisionalLive(
  store: LmdbProfileStore,
  current: ReadonlySet<string>,
  now: string,
): Promise<number> {
  let merged = 0;
  for (const half of [...store.liveHalves()]) {
    if (current.has(half.customerId)) continue;
    const others = new Set(
      half.identities.map((n) => store.customerOfSync(n)).filter((c) => c && c !== half.customerId),
    );
    const [target] = [...others] as string[];
    if (others.size !== 1 || !target || !current.has(target)) continue;
    // Keys only the stream has seen (since the run) follow the person to the customer kept.
    const relink = new Map(
      half.identities.filter((n) => store.customerOfSync(n) === half.customerId).map((n) => [n, target]),
    );
    const into = store.liveSync(target);
    await store.moveLive(
      half.customerId,
      into
        ? mergeLive(into, { ...half, customerId: target }, now)
        : { ...half, customerId: target, updatedAt: now },
      relink,
    );
    merged++;
  }
  return merged;
}

/**
 * What every embedded stream consumer feeds besides enrich (the second consumers of the stream):
 * the real-time tier's tumbling windows and the profile store's live halves.
 */
export function createStreamTaps(dataDir?: string) {
  const realtime = createLocalRealtime(dataDir);
  const profiles = createLocalProfileStream(dataDir);
  return {
    feed: async (records: StoredStreamRecord[]) => {
      await realtime.feed(records);
      await profiles(records);
    },
    tick: () => realtime.tick(),
    close: () => realtime.close(),
  };
}

/** The read keys a new data folder starts with (dev only; `c360 keys add --read` makes real ones). */
export const DEFAULT_READ_KEYS: Record<string, unknown> = {
  'c360-dev-read-key': { name: 'dev', ratePerSecond: 5000, burst: 10000 },
};
export const LOCAL_READ_KEYS_SECRET = 'read-keys';
export const localReadKeyFile = (dataDir?: string) =>
  join(localPaths(dataDir).state, `${LOCAL_READ_KEYS_SECRET}.json`);

/**
 * The data folder's read keys (`DIR/state/read-keys.json`, created with the dev key, re-read every
 * 2 s as the write keys are), or a fixed table (tests): the profile API's and the served dashboards'.
 */
export function localReadKeys(opts: { dataDir?: string; readKeys?: Record<string, unknown> } = {}): {
  resolve(key: string): Promise<ReadKeyGrant | null>;
} {
  if (opts.readKeys) {
    const table = HashedReadKeys.fromClearKeys(opts.readKeys);
    return { resolve: async (k) => table.resolve(k) };
  }
  ensureKeyTable(localReadKeyFile(opts.dataDir), DEFAULT_READ_KEYS);
  return new SecretReadKeys(
    new FileSecretStore(localPaths(opts.dataDir).state),
    LOCAL_READ_KEYS_SECRET,
    2000,
  );
}

/**
 * The profile API embedded: the Lambda's handler over the data folder's store and read-key table
 * (`DIR/state/read-keys.json`, re-read every 2 s as the write keys are), or a fixed table (tests).
 */
export function createLocalProfileApi(opts: { dataDir?: string; readKeys?: Record<string, unknown> } = {}) {
  return createProfileApiHandler({
    readKeys: localReadKeys(opts),
    limiter: new TokenBucketLimiter(),
    store: openLocalProfileStore(opts.dataDir),
    pseudonymizer: localPseudonymizer(opts.dataDir),
    logger: new LocalLogger('c360-profile-api', 'warn'),
  });
}
