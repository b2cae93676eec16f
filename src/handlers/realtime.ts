import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { decodeEnvelope } from '../domain/envelope';
import { currencyExponent } from '../domain/money';
import { normalize } from '../domain/normalize';
import type { CanonicalDraft } from '../domain/normalize/types';
import { addEvents, type RealtimeRow, type WindowState, windowRow, windowState } from '../domain/realtime';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * The real-time tier (Kinesis → this Lambda, tumbling windows of 60 s): each invoke folds its
 * records into the window's state and returns it (Lambda passes it to the next invoke of the
 * window); the final invoke writes the window's row to the warehouse's realtime_minute table and
 * its EMF metrics. Records that do not decode or normalize are counted as events and left to the
 * enrich function, which quarantines them with a reason; nothing here drops or stores events.
 */
export interface RealtimeSink {
  write(rows: RealtimeRow[]): Promise<void>;
}

export interface RealtimeDeps {
  sink: RealtimeSink;
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
