import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Engine, lit } from '../etl/duckdb';

/**
 * Generates a large bronze layer fast, with DuckDB itself writing gzip NDJSON in the Firehose
 * layout (for the ETL benchmark): `customers` people over `days` days, web page/track events,
 * identifies linking anonymous ids to user ids and email hashes, orders in three currencies,
 * support tickets, about 1% duplicate event ids and some late events.
 */
export async function generateBronze(
  engine: Engine,
  opts: { lakeDir: string; events: number; customers: number; days: number; startDate: string },
): Promise<void> {
  const dir = join(opts.lakeDir, 'bronze', 'events');
  await mkdir(dir, { recursive: true });
  await engine.run(`CREATE OR REPLACE TEMP TABLE gen_bronze AS
    WITH base AS (
      SELECT
        i,
        CASE WHEN i % 100 = 0 THEN i - 1 ELSE i END AS eid,
        (i * 7919) % ${opts.customers} AS cust,
        -- Four active hours a day keep the file count (one per source/type/day/hour) moderate.
        CAST(${lit(opts.startDate)} AS TIMESTAMP)
          + to_days(CAST((i * 7) % ${opts.days} AS INT))
          + to_hours(CAST(9 + 3 * ((i * 13) % 4) AS INT))
          + to_seconds(CAST((i * 104729) % 3600 AS BIGINT)) AS t,
        CASE
          WHEN i % 20 < 10 THEN 'page'
          WHEN i % 20 < 15 THEN 'track'
          WHEN i % 20 < 17 THEN 'identify'
          WHEN i % 20 < 19 THEN 'order_completed'
          ELSE 'support_ticket'
        END AS type
      FROM range(${opts.events}) r(i)
    )
    SELECT
      1 AS schemaVersion,
      concat('e', eid) AS eventId,
      type,
      CASE type WHEN 'track' THEN 'Product Viewed' WHEN 'page' THEN 'Home' ELSE type END AS event,
      CASE WHEN cust % 3 = 0 THEN 'ios' ELSE 'web' END AS source,
      'segment' AS kind,
      CASE WHEN type <> 'page' THEN concat('u', cust) END AS userId,
      concat('a', cust % ${Math.max(1, Math.floor(opts.customers * 1.5))}) AS anonymousId,
      strftime(t, '%Y-%m-%dT%H:%M:%S.000Z') AS originalTimestamp,
      strftime(t + INTERVAL 2 DAY * (CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END), '%Y-%m-%dT%H:%M:%S.000Z') AS receivedAt,
      strftime(t, '%Y-%m-%dT%H:%M:%S.000Z') AS "timestamp",
      {'page': {'url': 'https://shop.example/p'}} AS context,
      CASE type
        WHEN 'order_completed' THEN {'orderId': concat('o', eid), 'amount': CAST(1000 + (i % 9000) AS BIGINT), 'currency': CASE i % 3 WHEN 0 THEN 'USD' WHEN 1 THEN 'EUR' ELSE 'GBP' END, 'itemCount': CAST(1 + i % 4 AS BIGINT), 'ticketId': NULL, 'status': NULL, 'action': NULL}
        WHEN 'support_ticket' THEN {'orderId': NULL, 'amount': NULL, 'currency': NULL, 'itemCount': NULL, 'ticketId': concat('t', cust % 5000), 'status': 'open', 'action': 'created'}
        ELSE {'orderId': NULL, 'amount': NULL, 'currency': NULL, 'itemCount': NULL, 'ticketId': NULL, 'status': NULL, 'action': NULL}
      END AS properties,
      {'plan': 'free'} AS traits,
      CASE
        WHEN type = 'page' THEN [{'type': 'anonymous_id', 'value': concat('a', cust % ${Math.max(1, Math.floor(opts.customers * 1.5))})}]
        WHEN type = 'identify' THEN [{'type': 'user_id', 'value': concat('u', cust)}, {'type': 'anonymous_id', 'value': concat('a', cust % ${Math.max(1, Math.floor(opts.customers * 1.5))})}, {'type': 'email_hash', 'value': md5(concat('u', cust))}]
        ELSE [{'type': 'user_id', 'value': concat('u', cust)}]
      END AS identities,
      {'ua': {'deviceType': CASE WHEN cust % 3 = 0 THEN 'mobile' ELSE 'desktop' END}, 'geo': {'country': 'US'}, 'campaign': {'referrerClass': 'search'}} AS enrichment,
      {'futureClamped': false, 'late': i % 50 = 0, 'bot': false} AS flags,
      'bench' AS requestId,
      CASE WHEN cust % 3 = 0 THEN 'ios' ELSE 'web' END AS p_source,
      type AS p_type,
      strftime(t, '%Y-%m-%d') AS p_dt,
      strftime(t, '%H') AS p_hour
    FROM base
    ORDER BY p_source, p_type, p_dt, p_hour`);
  // DuckDB's JSON writer has no PARTITION_BY: write one gzip NDJSON file per partition.
  const groups = await engine.rows<{ p_source: string; p_type: string; p_dt: string; p_hour: string }>(
    'SELECT DISTINCT p_source, p_type, p_dt, p_hour FROM gen_bronze ORDER BY ALL',
  );
  for (const g of groups) {
    const part = join(
      dir,
      `source=${g.p_source}`,
      `event_type=${g.p_type}`,
      `dt=${g.p_dt}`,
      `hour=${g.p_hour}`,
    );
    await mkdir(part, { recursive: true });
    await engine.run(`COPY (SELECT * EXCLUDE (p_source, p_type, p_dt, p_hour) FROM gen_bronze
      WHERE p_source = ${lit(g.p_source)} AND p_type = ${lit(g.p_type)} AND p_dt = ${lit(g.p_dt)} AND p_hour = ${lit(g.p_hour)})
      TO ${lit(join(part, 'part-0.ndjson.gz'))} (FORMAT json, COMPRESSION gzip)`);
  }
  await engine.run('DROP TABLE gen_bronze');
}
