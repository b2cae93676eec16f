-- gold.kpi_daily: daily KPIs.
-- Active customer (DAU/WAU/MAU): a stitched customer with at least one interactive, non-bot
-- event (page, screen, track, identify) that day, i.e. engaged on a digital channel; order,
-- webhook and file events alone do not make a customer active, bots never do.
-- Orders and money: revenue (paid) orders by order date; gross, refunds (of those orders) and net.
-- conversion_rate = active customers who placed a revenue order that day / active customers.
WITH active AS (
  SELECT DISTINCT CAST(e.dt AS DATE) AS day, ec.customer_id
  FROM silver_events e
  JOIN event_customers ec ON ec.event_id = e.event_id
  WHERE e.event_type IN ('page', 'screen', 'track', 'identify') AND NOT coalesce(e.is_bot, false)
    AND ec.customer_id IS NOT NULL
),
order_days AS (
  SELECT CAST(dt AS DATE) AS day FROM fact_orders WHERE is_revenue
),
days AS (SELECT day FROM active UNION SELECT day FROM order_days),
first_order AS (
  SELECT customer_id, min(CAST(dt AS DATE)) AS first_day FROM fact_orders
  WHERE customer_id IS NOT NULL AND is_revenue GROUP BY customer_id
),
orders AS (
  SELECT
    CAST(o.dt AS DATE) AS day,
    count(*) AS orders,
    sum(o.gross_usd) AS gross_usd,
    sum(o.refunded_usd) AS refunds_usd,
    sum(o.net_usd) AS net_usd,
    count(DISTINCT o.customer_id) AS buyers,
    count(DISTINCT CASE WHEN a.customer_id IS NOT NULL THEN o.customer_id END) AS active_buyers,
    count(DISTINCT CASE WHEN f.first_day = CAST(o.dt AS DATE) THEN o.customer_id END) AS new_buyers,
    count(DISTINCT CASE WHEN f.first_day < CAST(o.dt AS DATE) THEN o.customer_id END) AS returning_buyers
  FROM fact_orders o
  LEFT JOIN first_order f ON f.customer_id = o.customer_id
  LEFT JOIN active a ON a.customer_id = o.customer_id AND a.day = CAST(o.dt AS DATE)
  WHERE o.is_revenue
  GROUP BY CAST(o.dt AS DATE)
),
-- Trailing 7- and 30-day actives, exact, without joining each day to its 30 days of actives: a
-- customer active on day a counts for the days a .. a+W-1. Per customer, active days closer than W
-- days apart make one island (a span of counted days); each island adds +1 on its first day and
-- -1 the day after its last, and a running sum over the days gives the count.
gaps AS (
  SELECT customer_id, day, lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS prev_day
  FROM active
),
islands AS (
  SELECT
    customer_id,
    day,
    sum(CASE WHEN prev_day IS NULL OR day >= date_add(prev_day, 7) THEN 1 ELSE 0 END)
      OVER (PARTITION BY customer_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island7,
    sum(CASE WHEN prev_day IS NULL OR day >= date_add(prev_day, 30) THEN 1 ELSE 0 END)
      OVER (PARTITION BY customer_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island30
  FROM gaps
),
spans7 AS (
  SELECT min(day) AS first_day, date_add(max(day), 7) AS after_day FROM islands GROUP BY customer_id, island7
),
spans30 AS (
  SELECT min(day) AS first_day, date_add(max(day), 30) AS after_day FROM islands GROUP BY customer_id, island30
),
deltas AS (
  SELECT first_day AS day, 1 AS d7, 0 AS d30 FROM spans7
  UNION ALL SELECT after_day AS day, -1 AS d7, 0 AS d30 FROM spans7
  UNION ALL SELECT first_day AS day, 0 AS d7, 1 AS d30 FROM spans30
  UNION ALL SELECT after_day AS day, 0 AS d7, -1 AS d30 FROM spans30
  UNION ALL SELECT day, 0 AS d7, 0 AS d30 FROM days
),
trailing_actives AS (
  SELECT
    day,
    sum(sum(d7)) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS wau,
    sum(sum(d30)) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS mau
  FROM deltas
  GROUP BY day
),
daily_active AS (
  SELECT day, count(*) AS dau FROM active GROUP BY day
),
rolling AS (
  SELECT d.day, coalesce(u.dau, 0) AS dau, CAST(t.wau AS BIGINT) AS wau, CAST(t.mau AS BIGINT) AS mau
  FROM days d
  JOIN trailing_actives t ON t.day = d.day
  LEFT JOIN daily_active u ON u.day = d.day
)
SELECT
  r.day,
  r.dau,
  r.wau,
  r.mau,
  coalesce(o.orders, 0) AS orders,
  CAST(coalesce(o.gross_usd, 0) AS DECIMAL(18,2)) AS gross_usd,
  CAST(coalesce(o.refunds_usd, 0) AS DECIMAL(18,2)) AS refunds_usd,
  CAST(coalesce(o.net_usd, 0) AS DECIMAL(18,2)) AS net_usd,
  CASE WHEN coalesce(o.orders, 0) > 0 THEN CAST(round(CAST(o.gross_usd AS DOUBLE) / o.orders, 2) AS DECIMAL(18,2)) END AS aov_usd,
  coalesce(o.buyers, 0) AS buyers,
  CASE WHEN r.dau > 0 THEN CAST(coalesce(o.active_buyers, 0) AS DOUBLE) / r.dau END AS conversion_rate,
  coalesce(o.new_buyers, 0) AS new_buyers,
  coalesce(o.returning_buyers, 0) AS returning_buyers
FROM rolling r
LEFT JOIN orders o ON o.day = r.day
