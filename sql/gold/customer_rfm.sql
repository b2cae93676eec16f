-- gold.customer_rfm: recency / frequency / monetary of revenue orders, as of the last order in
-- the data, with 1-5 scores where ties score the same (cume_dist, not ntile, so two customers
-- with the same value never land in different scores). Frequency = distinct order days; a
-- one-time buyer scores f = 1 and so is never "loyal" or "champions"; repeat buyers score 2-5
-- among themselves. Monetary = net (gross − refunds) USD.
WITH revenue AS (SELECT * FROM fact_orders WHERE is_revenue AND customer_id IS NOT NULL),
as_of AS (SELECT max(ordered_at) AS t FROM revenue),
base AS (
  SELECT
    o.customer_id,
    (unix_timestamp(max(a.t)) - unix_timestamp(max(o.ordered_at))) / 86400.0 AS recency_days,
    count(DISTINCT o.dt) AS frequency,
    CAST(sum(o.gross_usd) AS DECIMAL(18,2)) AS gross_usd,
    CAST(sum(o.refunded_usd) AS DECIMAL(18,2)) AS refunds_usd,
    CAST(sum(o.net_usd) AS DECIMAL(18,2)) AS monetary_usd
  FROM revenue o
  CROSS JOIN as_of a
  GROUP BY o.customer_id
),
scored AS (
  SELECT
    b.*,
    6 - CAST(ceil(5 * cume_dist() OVER (ORDER BY b.recency_days)) AS INT) AS r_score,
    CASE WHEN b.frequency <= 1 THEN 1
      ELSE 1 + CAST(ceil(4 * cume_dist() OVER (PARTITION BY CASE WHEN b.frequency > 1 THEN 1 ELSE 0 END ORDER BY b.frequency)) AS INT)
    END AS f_score,
    CAST(ceil(5 * cume_dist() OVER (ORDER BY b.monetary_usd)) AS INT) AS m_score
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
