import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import type { RawEnvelope } from '../../src/domain/event';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { localPaths } from '../../src/paths';
import { fixedClock } from '../../src/ports/clock';
import { createLocalEnrichHandler, drainStream } from '../../src/runtime/local-enrich';
import { applyRetention, loadRetention } from '../../src/runtime/retention';
import { loadWarehouse, openWarehouse } from '../../src/warehouse/embedded';
import { reconcileLakeWarehouse } from '../../src/warehouse/reconcile';
import { segmentEnvelope } from '../helpers/kinesis';

/**
 * History that does not shrink by accident: a day's orders are built into gold and the warehouse;
 * the clock moves past silver's retention (config/retention.json) and the expired layers go; a
 * new day's orders arrive and the ETL runs again. Gold still holds the first day (its facts are
 * kept, not recomputed from an expiring layer), and the lake and the warehouse agree on every
 * day both hold; a day edited in the warehouse alone is reported as divergent.
 */
const DAY1 = '2026-03-01';
const orders = (day: string, people: string[], base: number): RawEnvelope[] =>
  people.flatMap((u, i) => {
    const at = `${day}T10:${String(i).padStart(2, '0')}:00.000Z`;
    return [
      segmentEnvelope({
        type: 'identify',
        userId: u,
        messageId: `id-${u}-${day}`,
        traits: { plan: 'pro' },
        timestamp: at,
      }),
      segmentEnvelope(
        {
          type: 'track',
          event: 'Order Completed',
          userId: u,
          messageId: `o-${u}-${day}`,
          timestamp: at,
          properties: { order_id: `${day}-${i}`, total: base * (i + 1), currency: 'USD' },
        },
        { trust: 'server', source: 'backend' },
      ),
    ].map((e) => ({ ...e, receivedAt: at }));
  });

async function enrichAll(dir: string, envelopes: RawEnvelope[], now: string) {
  const paths = localPaths(dir);
  const stream = new FileEventStream(paths.stream);
  await stream.put(
    envelopes.map((e) => ({ partitionKey: String(e.eventId), data: Buffer.from(JSON.stringify(e)) })),
  );
  return drainStream({
    stream,
    handler: createLocalEnrichHandler(dir, { geo: false, clock: fixedClock(now) }),
    checkpointFile: join(paths.state, 'enrich.checkpoint'),
  });
}

async function lakeCounts(lake: string) {
  const engine = await openDuckDb();
  try {
    await registerLakeViews(engine, lake);
    const [r] = await engine.rows<Record<string, string>>(
      `SELECT (SELECT count(*) FROM silver.events WHERE dt = DATE '${DAY1}') AS silver_day1,
              (SELECT count(*) FROM gold.fact_orders WHERE CAST(dt AS DATE) = DATE '${DAY1}') AS gold_day1,
              (SELECT CAST(sum(gross_usd) AS VARCHAR) FROM gold.fact_orders WHERE CAST(dt AS DATE) = DATE '${DAY1}') AS gross_day1`,
    );
    return r;
  } finally {
    engine.close();
  }
}

describe('history that outlives silver', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-history-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps gold's facts after silver's retention passes, and the lake and the warehouse agree day by day", async () => {
    const paths = localPaths(dir);
    const first = ['u1', 'u2', 'u3', 'u4'];
    const gross1 = first.reduce((a, _, i) => a + 10 * (i + 1), 0);
    await enrichAll(dir, orders(DAY1, first, 10), `${DAY1}T12:00:00.000Z`);
    await runEtl({ lakeDir: paths.lake, from: DAY1, to: DAY1 });
    await loadWarehouse({ dataDir: dir, lakeDir: paths.lake });
    expect(await lakeCounts(paths.lake)).toEqual({
      silver_day1: '8',
      gold_day1: '4',
      gross_day1: gross1.toFixed(2),
    });

    // The clock passes silver's retention: silver (and bronze, and the raw archive) expire.
    const silverDays = loadRetention().layers.silver as number;
    const later = new Date(Date.parse(`${DAY1}T12:00:00Z`) + (silverDays + 5) * 86_400_000);
    const dropped = await applyRetention({
      dataDir: dir,
      now: new Date(Date.now() + (silverDays + 5) * 86_400_000),
    });
    expect(dropped.find((r) => r.layer === 'silver')?.dropped).toBeGreaterThan(0);

    // A new day: one returning customer and two new ones order.
    const day2 = later.toISOString().slice(0, 10);
    const second = ['u1', 'u8', 'u9'];
    const gross2 = second.reduce((a, _, i) => a + 7 * (i + 1), 0);
    await enrichAll(dir, orders(day2, second, 7), `${day2}T12:00:00.000Z`);
    await runEtl({ lakeDir: paths.lake, from: day2, to: day2 });
    await loadWarehouse({ dataDir: dir, lakeDir: paths.lake });

    // Silver no longer holds day 1; gold does, exactly as it was.
    expect(await lakeCounts(paths.lake)).toEqual({
      silver_day1: '0',
      gold_day1: '4',
      gross_day1: gross1.toFixed(2),
    });
    const wh = await openWarehouse(dir, { readOnly: true });
    try {
      const rows = await wh.rows<{ day: string; n: string; gross: string }>(
        `SELECT CAST(CAST(ordered_at AS DATE) AS VARCHAR) AS day, count(*) AS n, CAST(sum(gross_usd) AS VARCHAR) AS gross
         FROM gold.fact_orders GROUP BY 1 ORDER BY 1`,
      );
      expect(rows).toEqual([
        { day: DAY1, n: '4', gross: gross1.toFixed(2) },
        { day: day2, n: '3', gross: gross2.toFixed(2) },
      ]);
      // Every customer who ordered is still a customer (the profile outlives silver too).
      const [orphans] = await wh.rows<{ n: string }>(
        `SELECT count(*) AS n FROM gold.fact_orders o LEFT JOIN gold.dim_customer c USING (customer_id)
         WHERE o.customer_id IS NOT NULL AND c.customer_id IS NULL`,
      );
      expect(orphans?.n).toBe('0');
    } finally {
      wh.close();
    }

    const report = await reconcileLakeWarehouse({ dataDir: dir, lakeDir: paths.lake });
    const orderDays = report.filter((r) => r.table === 'fact_orders');
    expect(orderDays.map((r) => r.day)).toEqual([DAY1, day2]);
    expect(report.filter((r) => !r.agrees)).toEqual([]);

    // A day edited in the warehouse alone diverges, and only that day of that table.
    const rw = await openWarehouse(dir);
    try {
      await rw.run(`DELETE FROM gold.fact_orders WHERE order_id = '${DAY1}-0'`);
    } finally {
      rw.close();
    }
    const after = await reconcileLakeWarehouse({ dataDir: dir, lakeDir: paths.lake });
    expect(
      after.filter((r) => !r.agrees).map((r) => [r.table, r.day, r.lake_rows, r.warehouse_rows]),
    ).toEqual([['fact_orders', DAY1, 4, 3]]);
  }, 300_000);
});
