import { stringify } from 'csv-stringify/sync';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { backoffDelay, defaultSleep } from '../adapters/retry';
import {
  type AudienceBatch,
  applyBatch,
  audienceDiff,
  batchBody,
  batches,
  type Destination,
  type Operation,
} from '../domain/audience-sync';
import { parseCsv } from '../domain/batch/csv';
import { C360Error, isMissingObject } from '../domain/errors';
import type { ObjectStore } from '../ports/object-store';
import { postSigned } from './signed-post';

/**
 * Audiences delivered to destinations, the same code embedded (`c360 audiences sync | redrive`,
 * src/runtime/audiences.ts) and in AWS (functions/audiences, a state of the daily pipeline): the
 * last run's consented members against what each destination holds, the difference sent in
 * signed, idempotent batches (src/domain/audience-sync.ts) with retries (exponential backoff,
 * full jitter). A batch still refused after its attempts is kept in the dead-letter store for
 * `redrive`, never dropped. What a destination holds is kept per destination and advanced batch by
 * batch, only after the receiver accepted it, so a sync stopped half way resumes where it was.
 *
 * Objects (`state`: DIR/state embedded, the lake bucket in AWS):
 * - `audiences/held/<destination>.json`: who the destination holds, per audience;
 * - `audiences/dead-letter/<batch id>.json`: a batch refused after its attempts, with the error.
 * A file destination writes each batch as CSV to `exports` (the lake) under
 * `exports/audiences/<destination>/<audience>/<batch id>.csv`.
 */
export interface DeliveryDeps {
  state: ObjectStore;
  exports: ObjectStore;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
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

/** Each audience's consented members now (gold.audience_members). */
export type CurrentAudiences = Map<string, { purpose: string; members: Set<string> }>;

const HELD = 'audiences/held/';
export const DEAD_LETTER = 'audiences/dead-letter/';

async function readHeld(state: ObjectStore, destination: string): Promise<Map<string, Set<string>>> {
  try {
    const held = JSON.parse((await state.get(`${HELD}${destination}.json`)).toString('utf8')) as {
      audiences: Record<string, string[]>;
    };
    return new Map(Object.entries(held.audiences).map(([a, m]) => [a, new Set(m)]));
  } catch (err) {
    if (isMissingObject(err)) return new Map();
    throw err;
  }
}

async function writeHeld(state: ObjectStore, destination: string, held: Map<string, Set<string>>) {
  const audiences: Record<string, string[]> = {};
  for (const [a, m] of [...held].sort(([x], [y]) => (x < y ? -1 : 1))) audiences[a] = [...m].sort();
  await state.put(`${HELD}${destination}.json`, `${JSON.stringify({ audiences }, null, 1)}\n`);
}

class Refused extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** A file destination's batch as CSV (csv-stringify: ids kept as sent, quoted where RFC 4180 needs it). */
function csvOf(ops: readonly Operation[]): string {
  return stringify([['op', 'customer_id'], ...ops.map((x) => [x.op, x.customer_id])], {
    record_delimiter: 'unix',
  });
}

/** A file destination's batch as Parquet (two string columns). */
function parquetOf(ops: readonly Operation[]): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'op', data: ops.map((x) => x.op), type: 'STRING', nullable: false },
        { name: 'customer_id', data: ops.map((x) => x.customer_id), type: 'STRING', nullable: false },
      ],
    }),
  );
}

/** One attempt: the webhook's POST (2xx accepted; 408, 429 and 5xx worth retrying) or the file's write. */
async function sendOnce(deps: DeliveryDeps, d: Destination, b: AudienceBatch) {
  const body = batchBody(b);
  if (d.type === 'file') {
    // Named by the batch's key: a retried or redriven batch rewrites the same object.
    const key = `exports/audiences/${d.name}/${b.audience}/${b.id}`;
    if (d.format === 'parquet') await deps.exports.put(`${key}.parquet`, parquetOf(b.operations));
    else await deps.exports.put(`${key}.csv`, csvOf(b.operations));
    return;
  }
  let res: { ok: boolean; status: number };
  try {
    res = await postSigned({
      url: d.url as string,
      secret: d.secret as string,
      idempotencyKey: b.id,
      body,
      fetch: deps.fetch,
      now: deps.now,
    });
  } catch (err) {
    // A network failure (postSigned names the URL): worth retrying.
    throw new Refused(err instanceof Error ? err.message : String(err), true);
  }
  if (res.ok) return;
  throw new Refused(
    `${d.url} answered ${res.status}`,
    res.status === 408 || res.status === 429 || res.status >= 500,
  );
}

/** A batch with its retries: true when accepted, false when it went to the dead-letter store. */
async function deliver(
  deps: DeliveryDeps,
  d: Destination,
  b: AudienceBatch,
  counts: { retries: number },
): Promise<boolean> {
  const attempts = d.maxAttempts ?? 6;
  let last: Refused | null = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      counts.retries++;
      await (deps.sleep ?? defaultSleep)(
        backoffDelay(attempt - 1, deps.baseDelayMs ?? 200, deps.maxDelayMs ?? 20_000, deps.random),
      );
    }
    try {
      await sendOnce(deps, d, b);
      return true;
    } catch (err) {
      last = err instanceof Refused ? err : new Refused(String(err), true);
      if (!last.retryable) break;
    }
  }
  await deadLetter(deps, b, last?.message ?? 'unknown');
  return false;
}

/** Keeps a refused batch for `redrive` (one object per batch: the same batch again overwrites it). */
export async function deadLetter(deps: Pick<DeliveryDeps, 'state' | 'now'>, b: AudienceBatch, error: string) {
  await deps.state.put(
    `${DEAD_LETTER}${b.id}.json`,
    `${JSON.stringify({ batch: b, error, at: new Date((deps.now ?? Date.now)()).toISOString() })}\n`,
  );
}

const receives = (d: Destination, audience: string) => d.audiences === '*' || d.audiences.includes(audience);

const emptyRow = (destination: string, audience: string): SyncRow => ({
  destination,
  audience,
  entered: 0,
  exited: 0,
  deleted: 0,
  batches: 0,
  retries: 0,
  dead_lettered: 0,
});

/** Which destinations hold any of the customers, in which audiences (a person's copy lists them). */
export async function heldBy(
  state: ObjectStore,
  customerIds: readonly string[],
): Promise<{ destination: string; audience: string; customer_id: string }[]> {
  const ids = new Set(customerIds);
  const out: { destination: string; audience: string; customer_id: string }[] = [];
  if (!ids.size) return out;
  for (const key of await state.list(HELD)) {
    if (!key.endsWith('.json')) continue;
    const destination = key.slice(HELD.length, -'.json'.length);
    for (const [audience, members] of await readHeld(state, destination))
      for (const c of [...members].sort())
        if (ids.has(c)) out.push({ destination, audience, customer_id: c });
  }
  return out;
}

/** Every destination brought to what `current` holds; `only` names one destination. */
export async function syncDestinations(
  deps: DeliveryDeps,
  destinations: readonly Destination[],
  current: CurrentAudiences,
  only?: string,
): Promise<SyncRow[]> {
  const rows: SyncRow[] = [];
  for (const d of destinations) {
    if (only && d.name !== only) continue;
    const held = await readHeld(deps.state, d.name);
    const names = [...new Set([...current.keys(), ...held.keys()])].filter((a) => receives(d, a)).sort();
    for (const audience of names) {
      const now = current.get(audience)?.members ?? new Set<string>();
      const has = held.get(audience) ?? new Set<string>();
      const ops = audienceDiff(now, has);
      const row = emptyRow(d.name, audience);
      row.entered = ops.filter((x) => x.op === 'enter').length;
      row.exited = ops.filter((x) => x.op === 'exit').length;
      for (const b of batches(d.name, audience, ops, d.batchSize ?? 500)) {
        row.batches++;
        if (await deliver(deps, d, b, row)) {
          applyBatch(has, b);
          held.set(audience, has);
          await writeHeld(deps.state, d.name, held);
        } else row.dead_lettered++;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The dead-lettered batches sent again (same bytes, same keys); those refused again stay. */
export async function redriveDestinations(
  deps: DeliveryDeps,
  destinations: readonly Destination[],
): Promise<{ redriven: number; still_failing: number }> {
  const byName = new Map(destinations.map((d) => [d.name, d]));
  let redriven = 0;
  let failing = 0;
  // Each destination's state read once and written after each accepted batch.
  const held = new Map<string, Map<string, Set<string>>>();
  for (const key of await deps.state.list(DEAD_LETTER)) {
    const { batch } = JSON.parse((await deps.state.get(key)).toString('utf8')) as { batch: AudienceBatch };
    const d = byName.get(batch.destination);
    if (!d) {
      failing++;
      continue;
    }
    // Delivered again or kept (deliver overwrites the same object when refused again).
    if (await deliver(deps, d, batch, { retries: 0 })) {
      const state = held.get(d.name) ?? (await readHeld(deps.state, d.name));
      held.set(d.name, state);
      const has = state.get(batch.audience) ?? new Set<string>();
      applyBatch(has, batch);
      state.set(batch.audience, has);
      await writeHeld(deps.state, d.name, state);
      await deps.state.remove([key]);
      redriven++;
    } else failing++;
  }
  return { redriven, still_failing: failing };
}

/**
 * A file destination's exports without the erased customers: each CSV or Parquet batch file that
 * names one of them rewritten in place (same key) without their rows.
 */
async function rewriteExports(exports: ObjectStore, destination: string, gone: ReadonlySet<string>) {
  for (const key of await exports.list(`exports/audiences/${destination}/`)) {
    const body = await exports.get(key);
    if (key.endsWith('.parquet')) {
      const buf = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
      const rows = (await parquetReadObjects({ file: buf })) as Operation[];
      const kept = rows.filter((r) => !gone.has(r.customer_id));
      if (kept.length < rows.length) await exports.put(key, parquetOf(kept));
    } else if (key.endsWith('.csv')) {
      const [header, ...rows] = parseCsv(body.toString('utf8'));
      const kept = rows.filter((r) => !gone.has(r.cells[1] as string));
      if (header && kept.length < rows.length)
        await exports.put(
          key,
          csvOf(kept.map((r) => ({ op: r.cells[0] as Operation['op'], customer_id: r.cells[1] as string }))),
        );
    }
  }
}

/**
 * Erasure's part: every destination that holds one of the customers in an audience is sent
 * `delete` for them there, and stops holding them; a refused delete waits in the dead-letter
 * store for redrive. For a file destination the deletion is its files rewritten without them (no
 * delete file naming them is written).
 */
export async function eraseFromDestinations(
  deps: DeliveryDeps,
  destinations: readonly Destination[],
  customerIds: readonly string[],
): Promise<SyncRow[]> {
  const gone = new Set(customerIds);
  const rows: SyncRow[] = [];
  for (const d of destinations) {
    if (d.type === 'file') await rewriteExports(deps.exports, d.name, gone);
    const held = await readHeld(deps.state, d.name);
    for (const [audience, has] of held) {
      const ops: Operation[] = [...has]
        .filter((c) => gone.has(c))
        .map((c) => ({ op: 'delete', customer_id: c }));
      if (!ops.length) continue;
      const row = emptyRow(d.name, audience);
      row.deleted = ops.length;
      for (const b of batches(d.name, audience, ops, d.batchSize ?? 500)) {
        row.batches++;
        if (d.type === 'file' || (await deliver(deps, d, b, row))) {
          applyBatch(has, b);
          await writeHeld(deps.state, d.name, held);
        } else row.dead_lettered++;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The audience function's input: a step of the daily pipeline, a redrive, or erasure's deletes. */
export type AudienceEvent =
  | { step: 'sync'; members: string }
  | { step: 'redrive' }
  | { step: 'erase'; customerIds: string[] };

export interface AudienceHandlerDeps extends DeliveryDeps {
  /** The lake bucket's name: the members export (Athena's result) must be in it. */
  bucket: string;
  /** Where the members export is read from (the lake bucket). */
  lake: ObjectStore;
  destinations: () => Promise<Destination[]>;
  logger?: { info(message: string, extra?: Record<string, unknown>): void };
}

/** The Athena result of `SELECT audience, purpose, customer_id FROM audience_members` (header, quoted fields). */
export function membersFromCsv(text: string): CurrentAudiences {
  const [header, ...rows] = parseCsv(text);
  const cols = header?.cells ?? [];
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new C360Error(`the audience export has no column ${name} (columns: ${cols.join(', ')})`);
    return i;
  };
  const [a, p, c] = [at('audience'), at('purpose'), at('customer_id')];
  const out: CurrentAudiences = new Map();
  for (const r of rows) {
    const audience = r.cells[a] as string;
    const entry = out.get(audience) ?? { purpose: r.cells[p] as string, members: new Set<string>() };
    entry.members.add(r.cells[c] as string);
    out.set(audience, entry);
  }
  return out;
}

/** Totals over the rows, what the state machine reads (dead letters alert). */
function totals(rows: readonly SyncRow[]) {
  const sum = (k: keyof SyncRow) => rows.reduce((n, r) => n + (r[k] as number), 0);
  return {
    destinations: new Set(rows.map((r) => r.destination)).size,
    entered: sum('entered'),
    exited: sum('exited'),
    deleted: sum('deleted'),
    batches: sum('batches'),
    retries: sum('retries'),
    dead_lettered: sum('dead_lettered'),
  };
}

/**
 * The audience function (functions/audiences): `sync` after the daily run (the SyncAudiences
 * state, with the members Athena exported), `redrive` (`c360 audiences redrive` in AWS: invoke it
 * with {"step": "redrive"}), `erase` (the forget state machine's deletes to destinations).
 */
export function createAudienceHandler(deps: AudienceHandlerDeps) {
  return async (event: AudienceEvent) => {
    const destinations = await deps.destinations();
    if (event.step === 'sync') {
      const prefix = `s3://${deps.bucket}/`;
      if (typeof event.members !== 'string' || !event.members.startsWith(prefix))
        throw new C360Error(
          `members must be an s3:// URI in the lake bucket ${deps.bucket}, got ${event.members}`,
        );
      const current = membersFromCsv(
        (await deps.lake.get(event.members.slice(prefix.length))).toString('utf8'),
      );
      const rows = await syncDestinations(deps, destinations, current);
      const out = { ...totals(rows), audiences: current.size };
      deps.logger?.info('audiences synced', out);
      return out;
    }
    if (event.step === 'redrive') return redriveDestinations(deps, destinations);
    if (event.step === 'erase') {
      if (!Array.isArray(event.customerIds) || !event.customerIds.every((c) => typeof c === 'string'))
        throw new C360Error('erase needs customerIds: a list of customer ids');
      return totals(await eraseFromDestinations(deps, destinations, event.customerIds));
    }
    throw new C360Error(`step must be sync, redrive or erase, got ${(event as { step?: unknown }).step}`);
  };
}
