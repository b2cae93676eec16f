import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DASHBOARDS } from '../dashboards/definitions';
import { renderDashboards } from '../dashboards/render';
import { localPaths } from '../runtime/local';
import { loadWarehouse, openWarehouse } from '../warehouse/embedded';
import { startServe } from './commands/serve';

/**
 * `c360 demo --live`: the embedded platform left running on a demo data folder, with traffic a
 * person can watch. `c360 serve` (ingest API, the stream consumer with the real-time tier's
 * windows and the profile store's live path, the profile API) and a traffic generator posting
 * page views, product views and orders of the demo's customers at `ratePerSecond` through the
 * real HTTP API. Once a minute, after the minute's window closed, the real-time rows are merged
 * into the warehouse and the Real-Time Purchase Trends page is rendered again (it reloads itself),
 * so its charts move minute by minute while a profile answers its new events within a second.
 */
export interface LiveDemoOptions {
  dataDir: string;
  port?: number;
  /** Events a second (default 2). */
  ratePerSecond?: number;
  /** Customers the traffic is about: cdnow-1 … cdnow-N (the demo's CDNOW people), default 200. */
  customers?: number;
  /** A line per minute and per event sent (the CLI prints them). */
  say?: (line: string) => void;
  random?: () => number;
}

export interface LiveDemo {
  url: string;
  /** Events the generator posted and the API accepted. */
  sent: () => { events: number; orders: number; refused: number };
  /** Minutes merged into the warehouse and rendered so far. */
  refreshes: () => number;
  /** Merges and renders now (also what each minute does). */
  refresh: () => Promise<void>;
  stop: () => Promise<void>;
}

const WRITE_KEY = 'c360-local-write-key';
const SERVER_KEY = 'c360-local-server-key';
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

export async function startLiveDemo(o: LiveDemoOptions): Promise<LiveDemo> {
  const say = o.say ?? (() => {});
  const random = o.random ?? Math.random;
  const paths = localPaths(o.dataDir);
  const server = await startServe({
    port: o.port ?? 8088,
    dataDir: o.dataDir,
    geo: false,
    mapping: { batchingWindowMs: 100, pollIntervalMs: 100 },
  });
  const counts = { events: 0, orders: 0, refused: 0 };
  let refreshes = 0;
  let stopped = false;
  const customers = o.customers ?? 200;

  const post = async (path: string, key: string, body: Record<string, unknown>) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(key) },
      body: JSON.stringify({
        ...body,
        messageId: `live-${randomUUID()}`,
        timestamp: new Date().toISOString(),
      }),
    }).catch(() => null);
    await res?.arrayBuffer();
    if (res?.status === 200) counts.events++;
    else counts.refused++;
    return res?.status === 200;
  };

  const oneEvent = async () => {
    const userId = `cdnow-${1 + Math.floor(random() * customers)}`;
    const r = random();
    if (r < 0.15) {
      const cents = 500 + Math.floor(random() * 15_000);
      // Orders are money: sent by the shop's backend (a server-side key), as Segment's spec has it.
      if (
        await post('/v1/track', SERVER_KEY, {
          userId,
          event: 'Order Completed',
          properties: {
            order_id: `live-${randomUUID().slice(0, 12)}`,
            total: (cents / 100).toFixed(2),
            currency: 'USD',
          },
        })
      )
        counts.orders++;
    } else if (r < 0.45) {
      await post('/v1/track', WRITE_KEY, {
        userId,
        event: 'Product Viewed',
        properties: { product_id: `CD-${5000 + Math.floor(random() * 40)}` },
      });
    } else {
      await post('/v1/page', WRITE_KEY, { userId, name: 'Catalog', properties: { path: '/catalog' } });
    }
  };

  const realtime = DASHBOARDS.filter((d) => d.id === 'realtime');
  const refresh = async () => {
    await loadWarehouse({ dataDir: paths.root, lakeDir: paths.lake });
    const wh = await openWarehouse(paths.root, { readOnly: true });
    try {
      await renderDashboards({ warehouse: wh, outDir: join(paths.root, 'dashboards'), dashboards: realtime });
      const [last] = await wh.rows<{ minute: string; orders: string; revenue: string; minutes: string }>(
        `SELECT strftime(max(window_start), '%H:%M') AS minute,
           CAST(sum(orders) FILTER (WHERE window_start = (SELECT max(window_start) FROM gold.realtime_minute)) AS VARCHAR) AS orders,
           CAST(sum(revenue_usd) FILTER (WHERE window_start = (SELECT max(window_start) FROM gold.realtime_minute)) AS VARCHAR) AS revenue,
           CAST(count(DISTINCT window_start) AS VARCHAR) AS minutes
         FROM gold.realtime_minute`,
      );
      refreshes++;
      say(
        `  ${last?.minute ?? '--:--'} UTC: ${last?.orders ?? 0} orders, $${last?.revenue ?? '0.00'} in the last minute; ${last?.minutes ?? 0} minutes on the real-time page; ${counts.events} events sent`,
      );
    } finally {
      wh.close();
    }
  };

  // The traffic: one event every 1/rate seconds, one at a time.
  const gapMs = 1000 / (o.ratePerSecond ?? 2);
  const traffic = (async () => {
    while (!stopped) {
      const t = performance.now();
      await oneEvent();
      await new Promise((r) => setTimeout(r, Math.max(0, gapMs - (performance.now() - t))));
    }
  })();
  // Each minute, 5 s after it ends (its window closed and written), merged and rendered.
  let timer: NodeJS.Timeout | null = null;
  let refreshing: Promise<void> = Promise.resolve();
  const schedule = () => {
    const now = Date.now();
    const next = Math.ceil(now / 60_000) * 60_000 + 5_000;
    timer = setTimeout(() => {
      refreshing = refresh().catch((err) =>
        say(`  refresh failed: ${err instanceof Error ? err.message : String(err)}`),
      );
      void refreshing.then(() => {
        if (!stopped) schedule();
      });
    }, next - now);
  };
  schedule();
  return {
    url: server.url,
    sent: () => ({ ...counts }),
    refreshes: () => refreshes,
    refresh,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await traffic;
      await refreshing;
      await server.close();
    },
  };
}
