-- reporting.realtime_trends: the real-time tier per minute of arrival over the last hour of data (summed over stream shards), next to the same minute a week earlier (QuickSight: Real-Time Purchase Trends). Counts are before deduplication; the daily tables are the exact ones.
WITH m AS (
  SELECT window_start, sum(orders) AS orders, sum(revenue_usd) AS revenue_usd,
    sum(active_customers) AS active_customers, sum(events) AS events, sum(late_events) AS late_events
  FROM gold.realtime_minute
  GROUP BY window_start
),
latest AS (SELECT max(window_start) AS t FROM m)
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
