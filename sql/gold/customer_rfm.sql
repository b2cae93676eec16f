-- gold.customer_rfm: recency / frequency / monetary with quintile scores and a segment label,
-- as of the last order date in the data.
WITH as_of AS (SELECT max(ordered_at) AS t FROM fact_orders),
base AS (
  SELECT
    o.customer_id,
    (unix_timestamp(max(a.t)) - unix_timestamp(max(o.ordered_at))) / 86400.0 AS recency_days,
    count(DISTINCT o.dt) AS frequency,
    sum(o.net_usd) AS monetary_usd
  FROM fact_orders o
  CROSS JOIN as_of a
  WHERE o.customer_id IS NOT NULL
  GROUP BY o.customer_id
),
scored AS (
  SELECT
    b.*,
    6 - ntile(5) OVER (ORDER BY b.recency_days, b.customer_id) AS r_score,
    ntile(5) OVER (ORDER BY b.frequency, b.customer_id) AS f_score,
    ntile(5) OVER (ORDER BY b.monetary_usd, b.customer_id) AS m_score
  FROM base b
)
SELECT
  s.*,
  CASE
    WHEN s.r_score >= 4 AND s.f_score >= 4 THEN 'champions'
    WHEN s.r_score >= 3 AND s.f_score >= 3 THEN 'loyal'
    WHEN s.r_score >= 4 AND s.f_score <= 2 THEN 'new'
    WHEN s.r_score <= 2 AND s.f_score >= 3 THEN 'at_risk'
    WHEN s.r_score <= 2 AND s.f_score <= 2 THEN 'hibernating'
    ELSE 'needs_attention'
  END AS segment
FROM scored s
