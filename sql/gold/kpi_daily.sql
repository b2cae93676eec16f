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
rolling AS (
  SELECT
    d.day,
    count(DISTINCT CASE WHEN a.day = d.day THEN a.customer_id END) AS dau,
    -- Trailing 7- and 30-day actives are HyperLogLog estimates (approx_count_distinct in Spark and
    -- DuckDB alike, within about 2 %): the exact distinct over a sliding 30-day window is this
    -- plan's costliest aggregate, and a trend line does not need the last customer. DAU, buyers and
    -- conversion stay exact (docs/metrics.md lists which numbers are estimates).
    approx_count_distinct(CASE WHEN a.day > date_add(d.day, -7) THEN a.customer_id END) AS wau,
    approx_count_distinct(a.customer_id) AS mau
  FROM days d
  LEFT JOIN active a ON a.day > date_add(d.day, -30) AND a.day <= d.day
  GROUP BY d.day
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
