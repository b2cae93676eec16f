-- gold.kpi_daily: daily KPIs. Active = any event that day; WAU/MAU over trailing 7/30 days.
WITH active AS (
  SELECT DISTINCT CAST(e.dt AS DATE) AS day, ec.customer_id
  FROM silver_events e
  JOIN event_customers ec ON ec.event_id = e.event_id
),
days AS (SELECT DISTINCT day FROM active),
first_order AS (
  SELECT customer_id, min(CAST(dt AS DATE)) AS first_day FROM fact_orders WHERE customer_id IS NOT NULL GROUP BY customer_id
),
orders AS (
  SELECT
    CAST(o.dt AS DATE) AS day,
    count(*) AS orders,
    sum(o.amount_usd) AS revenue_usd,
    count(DISTINCT o.customer_id) AS buyers,
    count(DISTINCT CASE WHEN f.first_day = CAST(o.dt AS DATE) THEN o.customer_id END) AS new_buyers,
    count(DISTINCT CASE WHEN f.first_day < CAST(o.dt AS DATE) THEN o.customer_id END) AS returning_buyers
  FROM fact_orders o
  LEFT JOIN first_order f ON f.customer_id = o.customer_id
  GROUP BY CAST(o.dt AS DATE)
),
rolling AS (
  SELECT
    d.day,
    count(DISTINCT CASE WHEN a.day = d.day THEN a.customer_id END) AS dau,
    count(DISTINCT CASE WHEN a.day > date_add(d.day, -7) THEN a.customer_id END) AS wau,
    count(DISTINCT a.customer_id) AS mau
  FROM days d
  JOIN active a ON a.day > date_add(d.day, -30) AND a.day <= d.day
  GROUP BY d.day
)
SELECT
  r.day,
  r.dau,
  r.wau,
  r.mau,
  coalesce(o.orders, 0) AS orders,
  coalesce(o.revenue_usd, 0) AS revenue_usd,
  CASE WHEN coalesce(o.orders, 0) > 0 THEN o.revenue_usd / o.orders END AS aov_usd,
  CASE WHEN r.dau > 0 THEN CAST(coalesce(o.buyers, 0) AS DOUBLE) / r.dau END AS conversion_rate,
  coalesce(o.new_buyers, 0) AS new_buyers,
  coalesce(o.returning_buyers, 0) AS returning_buyers
FROM rolling r
LEFT JOIN orders o ON o.day = r.day
