import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../adapters/local/files';
import { backoffDelay, defaultSleep } from '../adapters/retry';
import {
  type AudienceBatch,
  applyBatch,
  audienceDiff,
  batchBody,
  batches,
  type Operation,
  signature,
} from '../domain/audience-sync';
import { AUDIENCES } from '../domain/audiences';
import { C360Error, ConfigError } from '../domain/errors';
import { safeSegment } from '../domain/partition';
import { openDuckDb } from '../etl/duckdb';
import { registerLakeViews } from '../etl/lake-views';
import { localPaths } from './local';

/**
 * Audience destinations embedded (`c360 audiences sync | redrive`): the daily pipeline's
 * gold.audience_members (consented members only) against what each destination holds, the
 * difference sent in signed, idempotent batches (src/domain/audience-sync.ts) with retries
 * (exponential backoff, full jitter); a batch still refused after its attempts goes to the
 * dead-letter file for `c360 audiences redrive`, never dropped. What a destination holds is kept
 * per destination (`DIR/state/audiences/<name>.json`) and advanced batch by batch, only after the
 * receiver accepted it, so a sync stopped half way resumes where it was.
 *
 * Destinations (`DIR/state/destinations.json`):
 * ```json
 * { "destinations": [
 *   { "name": "email-tool", "type": "webhook", "url": "https://…", "secret": "…", "audiences": ["win_back"] },
 *   { "name": "exports", "type": "file", "audiences": "*" } ] }
 * ```
 * A file destination writes each batch as CSV under `lake/exports/audiences/<name>/<audience>/`.
 */
export interface Destination {
  name: string;
  type: 'webhook' | 'file';
  url?: string;
  secret?: string;
  /** The audiences it receives ("*": all). */
  audiences: string[] | '*';
  batchSize?: number;
  maxAttempts?: number;
}

export interface SyncRow {
  destination: string;
  audience: string;
  entered: number;
  exited: number;
  deleted: number;
  batches: number;
  retries: number;
  dead_lettered: number;
}

export interface DeliveryOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export const destinationsFile = (dataDir?: string) => join(localPaths(dataDir).state, 'destinations.json');
const stateDir = (dataDir?: string) => join(localPaths(dataDir).state, 'audiences');
const deadLetterFile = (dataDir?: string) => join(stateDir(dataDir), 'dead-letter.ndjson');

export function loadDestinations(dataDir?: string): Destination[] {
  const file = destinationsFile(dataDir);
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file} is not JSON: fix it (see src/runtime/audiences.ts for its shape)`, {
      cause: err,
    });
  }
  const list = (parsed as { destinations?: unknown }).destinations;
  if (!Array.isArray(list)) throw new ConfigError(`${file}: expected {"destinations": [...]}`);
  return list.map((d, i) => {
    const at = `${file}: destinations[${i}]`;
    const o = d as Partial<Destination>;
    if (typeof o.name !== 'string' || safeSegment(o.name) !== o.name)
      throw new ConfigError(`${at}: "name" must be 1-64 letters, digits, "_", "." or "-"`);
    if (o.type !== 'webhook' && o.type !== 'file')
      throw new ConfigError(`${at}: "type" must be "webhook" or "file"`);
    if (o.type === 'webhook' && (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url)))
      throw new ConfigError(`${at}: a webhook needs "url" (http:// or https://)`);
    if (o.type === 'webhook' && (typeof o.secret !== 'string' || o.secret.length < 16))
      throw new ConfigError(`${at}: a webhook needs "secret" (16+ characters) to sign its batches with`);
    if (
      o.audiences !== '*' &&
      !(Array.isArray(o.audiences) && o.audiences.every((a) => typeof a === 'string'))
    )
      throw new ConfigError(`${at}: "audiences" must be a list of audience names or "*"`);
    return o as Destination;
  });
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

type Held = Record<string, string[]>;

async function readHeld(dataDir: string | undefined, destination: string): Promise<Map<string, Set<string>>> {
  try {
    const held = JSON.parse(await readFile(join(stateDir(dataDir), `${destination}.json`), 'utf8')) as {
      audiences: Held;
    };
    return new Map(Object.entries(held.audiences).map(([a, m]) => [a, new Set(m)]));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
}

async function writeHeld(dataDir: string | undefined, destination: string, held: Map<string, Set<string>>) {
  await mkdir(stateDir(dataDir), { recursive: true });
  const audiences: Held = {};
  for (const [a, m] of [...held].sort(([x], [y]) => (x < y ? -1 : 1))) audiences[a] = [...m].sort();
  await replaceFile(
    join(stateDir(dataDir), `${destination}.json`),
    `${JSON.stringify({ audiences }, null, 1)}\n`,
  );
}

class Refused extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** One attempt: the webhook's POST (2xx accepted; 408, 429 and 5xx worth retrying) or the file's write. */
async function sendOnce(dataDir: string | undefined, d: Destination, b: AudienceBatch, o: DeliveryOptions) {
  const body = batchBody(b);
  if (d.type === 'file') {
    const dir = join(localPaths(dataDir).lake, 'exports', 'audiences', d.name, b.audience);
    await mkdir(dir, { recursive: true });
    const csv = ['op,customer_id', ...b.operations.map((x) => `${x.op},${x.customer_id}`)].join('\n');
    // Named by the batch's key: a retried or redriven batch rewrites the same file.
    await replaceFile(join(dir, `${b.id}.csv`), `${csv}\n`);
    return;
  }
  const ts = Math.floor((o.now ?? Date.now)() / 1000);
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(d.url as string, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': b.id,
        'c360-signature': signature(d.secret as string, ts, body),
      },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new Refused(`${d.url}: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  throw new Refused(
    `${d.url} answered ${res.status}`,
    res.status === 408 || res.status === 429 || res.status >= 500,
  );
}

/** A batch with its retries: true when accepted, false when it went to the dead-letter file. */
async function deliver(
  dataDir: string | undefined,
  d: Destination,
  b: AudienceBatch,
  o: DeliveryOptions,
  counts: { retries: number },
): Promise<boolean> {
  const attempts = d.maxAttempts ?? 6;
  let last: Refused | null = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      counts.retries++;
      await (o.sleep ?? defaultSleep)(
        backoffDelay(attempt - 1, o.baseDelayMs ?? 200, o.maxDelayMs ?? 20_000, o.random),
      );
    }
    try {
      await sendOnce(dataDir, d, b, o);
      return true;
    } catch (err) {
      last = err instanceof Refused ? err : new Refused(String(err), true);
      if (!last.retryable) break;
    }
  }
  await mkdir(stateDir(dataDir), { recursive: true });
  await appendFile(
    deadLetterFile(dataDir),
    `${JSON.stringify({ batch: b, error: last?.message ?? 'unknown', at: new Date((o.now ?? Date.now)()).toISOString() })}\n`,
  );
  return false;
}

const receives = (d: Destination, audience: string) => d.audiences === '*' || d.audiences.includes(audience);

/** `c360 audiences sync`: every destination brought to what gold.audience_members holds now. */
export async function syncAudiences(
  opts: { dataDir?: string; destinations?: Destination[]; only?: string } & DeliveryOptions = {},
): Promise<SyncRow[]> {
  const destinations = opts.destinations ?? loadDestinations(opts.dataDir);
  const current = await currentAudiences(opts.dataDir);
  if (!current)
    throw new C360Error('no gold.audience_members yet: run "c360 pipeline run" (or npm start) first');
  const rows: SyncRow[] = [];
  for (const d of destinations) {
    if (opts.only && d.name !== opts.only) continue;
    const held = await readHeld(opts.dataDir, d.name);
    const names = [...new Set([...current.keys(), ...held.keys()])].filter((a) => receives(d, a)).sort();
    for (const audience of names) {
      const now = current.get(audience)?.members ?? new Set<string>();
      const has = held.get(audience) ?? new Set<string>();
      const ops = audienceDiff(now, has);
      const row: SyncRow = {
        destination: d.name,
        audience,
        entered: ops.filter((x) => x.op === 'enter').length,
        exited: ops.filter((x) => x.op === 'exit').length,
        deleted: 0,
        batches: 0,
        retries: 0,
        dead_lettered: 0,
      };
      for (const b of batches(d.name, audience, ops, d.batchSize ?? 500)) {
        row.batches++;
        if (await deliver(opts.dataDir, d, b, opts, row)) {
          applyBatch(has, b);
          held.set(audience, has);
          await writeHeld(opts.dataDir, d.name, held);
        } else row.dead_lettered++;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** `c360 audiences redrive`: the dead-lettered batches sent again (same bytes, same keys); those refused again stay. */
export async function redriveAudiences(
  opts: { dataDir?: string; destinations?: Destination[] } & DeliveryOptions = {},
): Promise<{ redriven: number; still_failing: number }> {
  const file = deadLetterFile(opts.dataDir);
  if (!existsSync(file)) return { redriven: 0, still_failing: 0 };
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  await replaceFile(file, '');
  const destinations = new Map((opts.destinations ?? loadDestinations(opts.dataDir)).map((d) => [d.name, d]));
  let redriven = 0;
  let failing = 0;
  for (const line of lines) {
    const { batch } = JSON.parse(line) as { batch: AudienceBatch };
    const d = destinations.get(batch.destination);
    if (!d) {
      await appendFile(file, `${line}\n`);
      failing++;
      continue;
    }
    if (await deliver(opts.dataDir, d, batch, opts, { retries: 0 })) {
      const held = await readHeld(opts.dataDir, d.name);
      const has = held.get(batch.audience) ?? new Set<string>();
      applyBatch(has, batch);
      held.set(batch.audience, has);
      await writeHeld(opts.dataDir, d.name, held);
      redriven++;
    } else failing++;
  }
  return { redriven, still_failing: failing };
}

/**
 * Erasure's part (`c360 forget`): every destination that holds one of the customers in an audience
 * is sent `delete` for them there, and stops holding them; a refused delete waits in the
 * dead-letter file for `c360 audiences redrive`.
 */
export async function eraseFromDestinations(
  opts: { dataDir?: string; customerIds: readonly string[]; destinations?: Destination[] } & DeliveryOptions,
): Promise<SyncRow[]> {
  const gone = new Set(opts.customerIds);
  const rows: SyncRow[] = [];
  for (const d of opts.destinations ?? loadDestinations(opts.dataDir)) {
    const held = await readHeld(opts.dataDir, d.name);
    for (const [audience, has] of held) {
      const ops: Operation[] = [...has]
        .filter((c) => gone.has(c))
        .map((c) => ({ op: 'delete', customer_id: c }));
      if (!ops.length) continue;
      const row: SyncRow = {
        destination: d.name,
        audience,
        entered: 0,
        exited: 0,
        deleted: ops.length,
        batches: 0,
        retries: 0,
        dead_lettered: 0,
      };
      for (const b of batches(d.name, audience, ops, d.batchSize ?? 500)) {
        row.batches++;
        // A file destination's exports are in the lake: erasure rewrites them without the person
        // (src/runtime/person-stores.ts), so no delete file naming them is written.
        if (d.type === 'file' || (await deliver(opts.dataDir, d, b, opts, row))) {
          applyBatch(has, b);
          await writeHeld(opts.dataDir, d.name, held);
        } else row.dead_lettered++;
      }
      rows.push(row);
    }
  }
  return rows;
}
