-- reporting.realtime_trends: the real-time tier per minute of arrival over the last hour of data (summed over stream shards), next to the same minute a week earlier (QuickSight: Real-Time Purchase Trends). Counts are before deduplication; the daily tables are the exact ones.
-- materialized: refilled at every load and, in AWS, by the real-time Lambda in the transaction that writes its windows (only the two hours it shows are grouped).
-- column minute: Minute of arrival (UTC).
-- column orders: Paid orders that arrived in the minute (before deduplication).
-- column revenue_usd: Their revenue, USD.
-- column active_customers: Distinct active customers in the minute (a lower bound when capped).
-- column events: Events that arrived in the minute.
-- column late_events: Of those, events whose own time is outside the minute.
-- column orders_week_before: Orders in the same minute a week earlier.
-- column revenue_usd_week_before: Revenue in the same minute a week earlier, USD.
WITH latest AS (SELECT max(window_start) AS t FROM gold.realtime_minute),
m AS (
  SELECT r.window_start, sum(r.orders) AS orders, sum(r.revenue_usd) AS revenue_usd,
    sum(r.active_customers) AS active_customers, sum(r.events) AS events, sum(r.late_events) AS late_events
  FROM gold.realtime_minute r
  CROSS JOIN latest l
  WHERE r.window_start > l.t - INTERVAL '60 minutes'
    OR (r.window_start > l.t - INTERVAL '7 days' - INTERVAL '60 minutes' AND r.window_start <= l.t - INTERVAL '7 days')
  GROUP BY r.window_start
)
SELECT
  cur.window_start AS minute,
  cur.orders,
  cur.revenue_usd,
  cur.active_customers,
  cur.events,
  cur.late_events,
  coalesce(prev.orders, 0) AS orders_week_before,
  coalesce(prev.revenue_usd, 0) AS revenue_usd_week_before
FROM m cur
CROSS JOIN latest l
LEFT JOIN m prev ON prev.window_start = cur.window_start - INTERVAL '7 days'
WHERE cur.window_start > l.t - INTERVAL '60 minutes'
