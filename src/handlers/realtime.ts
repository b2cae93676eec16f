import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { decodeEnvelope } from '../domain/envelope';
import { currencyExponent } from '../domain/money';
import { normalize } from '../domain/normalize';
import type { CanonicalDraft } from '../domain/normalize/types';
import { addEvents, type RealtimeRow, type WindowState, windowRow, windowState } from '../domain/realtime';
import type { ObjectStore } from '../ports/object-store';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * The real-time tier (Kinesis → this Lambda, tumbling windows of 60 s): each invoke folds its
 * records into the window's state and returns it (Lambda passes it to the next invoke of the
 * window); the final invoke writes the window's row to the lake (`realtime/dt=D/`, the sink) and
 * its EMF metrics (live per minute in CloudWatch). Every `load.everyMinutes` the final invoke also
 * loads the recent rows into the warehouse: a write each minute would keep Redshift Serverless,
 * billed per second with a 60-second minimum, running all day. Records that do not decode or normalize are counted as events and left to the
 * enrich function, which quarantines them with a reason; nothing here drops or stores events.
 */
export interface RealtimeSink {
  write(rows: RealtimeRow[]): Promise<void>;
}

export interface RealtimeDeps {
  sink: RealtimeSink;
  /** Loads the lake's recent window rows into the warehouse every `everyMinutes` (AWS). */
  load?: { everyMinutes: number; run: (windowStart: string) => Promise<number> };
  /** USD per unit of a currency (the latest reference rate), or null when there is none. */
  usdPerUnit: () => Promise<Map<string, number>>;
  logger: LoggerPort;
  metrics: MetricsPort;
  windowMs?: number;
  /** The clock the window's lag is measured by (Date.now). */
  now?: () => number;
}

type WindowEvent = KinesisStreamTumblingWindowEvent & { shardId?: string };

export const createRealtimeHandler =
  (deps: RealtimeDeps) =>
  async (event: WindowEvent): Promise<{ state: WindowState | Record<string, never> }> => {
    const windowStart = Date.parse(event.window.start);
    const state = windowState(event.state);
    const events: CanonicalDraft[] = [];
    for (const r of event.Records) {
      try {
        const outcome = normalize(decodeEnvelope(Buffer.from(r.kinesis.data, 'base64').toString('utf8')));
        if (outcome.ok) events.push(...outcome.events);
        else state.events++;
      } catch {
        state.events++;
      }
    }
    addEvents(state, events, windowStart, deps.windowMs ?? 60_000);
    if (!event.isFinalInvokeForWindow) return { state };

    const rates = await deps.usdPerUnit();
    const row = windowRow(state, event.window.start, event.shardId ?? 'shardId-000000000000', (c) => {
      const rate = rates.get(c);
      return rate === undefined ? null : { rate, exponent: currencyExponent(c) };
    });
    await deps.sink.write([row]);
    // A failed load fails the invoke: Lambda retries the window's final invoke (the row's write
    // is idempotent), and the next load picks up whatever this one missed anyway.
    if (deps.load && realtimeLoadDue(event.window.start, deps.load.everyMinutes))
      deps.metrics.addMetric('RealtimeRowsLoaded', 'Count', await deps.load.run(event.window.start));
    deps.metrics.addMetric('RealtimeOrders', 'Count', row.orders);
    deps.metrics.addMetric('RealtimeRevenueUsd', 'None', Number(row.revenue_usd));
    deps.metrics.addMetric('RealtimeActiveCustomers', 'Count', row.active_customers);
    deps.metrics.addMetric('RealtimeLateEvents', 'Count', row.late_events);
    // The real-time SLI: how long after its window closed a minute became queryable.
    deps.metrics.addMetric(
      'RealtimeLagMs',
      'Milliseconds',
      Math.max(0, (deps.now ?? Date.now)() - Date.parse(event.window.end)),
    );
    deps.metrics.publishStoredMetrics();
    deps.logger.info('real-time window written', {
      window: event.window.start,
      shard: row.shard_id,
      orders: row.orders,
      events: row.events,
      late: row.late_events,
      terminatedEarly: event.isWindowTerminatedEarly,
    });
    // A closed window starts the next one empty.
    return { state: {} };
  };

/** The window that closes each block of `everyMinutes` minutes (of the UTC day) loads the warehouse. */
export function realtimeLoadDue(windowStart: string, everyMinutes: number): boolean {
  const minute = Math.floor(Date.parse(windowStart) / 60_000);
  return (minute + 1) % Math.max(1, Math.floor(everyMinutes)) === 0;
}

/** A window row's key in the lake: one object per window and shard, so a retried write replaces it. */
export const realtimeRowKey = (row: Pick<RealtimeRow, 'window_start' | 'shard_id'>) =>
  `realtime/dt=${row.window_start.slice(0, 10)}/${row.window_start}_${row.shard_id}.json`;

/** The real-time sink on an object store (AWS: the lake bucket): one JSON line per window and shard. */
export const objectStoreRealtimeSink = (store: ObjectStore): RealtimeSink => ({
  write: async (rows) => {
    for (const r of rows) await store.put(realtimeRowKey(r), `${JSON.stringify(r)}\n`);
  },
});

/**
 * The load: the rows of the windows in the last two blocks (`everyMinutes` each) read back from
 * the lake and upserted on their key (window, shard), so a load that failed or a shard whose
 * window closed late is caught by the next one. Returns the rows loaded.
 */
export function realtimeLoader(
  store: ObjectStore,
  upsert: (rows: RealtimeRow[]) => Promise<void>,
  everyMinutes: number,
): (windowStart: string) => Promise<number> {
  return async (windowStart) => {
    const until = Date.parse(windowStart);
    const from = until - 2 * everyMinutes * 60_000;
    const days = [...new Set([new Date(from).toISOString().slice(0, 10), windowStart.slice(0, 10)])];
    const keys = (await Promise.all(days.map((d) => store.list(`realtime/dt=${d}/`)))).flat();
    const recent = keys.filter((k) => {
      const at = Date.parse(k.slice(k.lastIndexOf('/') + 1).split('_')[0] ?? '');
      return at > from && at <= until;
    });
    const rows = await Promise.all(
      recent.map(async (k) => JSON.parse((await store.get(k)).toString('utf8')) as RealtimeRow),
    );
    if (rows.length) await upsert(rows);
    return rows.length;
  };
}
