-- reporting.customer_lifetime_value: per current customer, net revenue to date and the latest model scores (CLV, P(alive), churn).
-- materialized: refilled after every load (the latest score per customer joined once, not per visual).
-- column customer_id: The stitched customer id.
-- column segment: The customer's current segment (no_orders when it has none, as in customer_segments).
-- column orders: Revenue orders to date.
-- column net_usd: Net revenue to date, USD.
-- column clv_12m_usd: Expected value of the next 12 months' purchases (latest score), USD.
-- column clv_band: 12-month CLV band label.
-- column clv_band_order: Sort order of the band (low to high).
-- column p_alive: P(still active), latest score.
-- column churn_probability: P(no order in the next 90 days), latest score.
-- column scored_at: Date of the latest score.
-- column country: The customer's country, ISO-3166 alpha-2 (unknown when not known).
-- column first_order_date: The day of the customer's first revenue order (UTC; NULL before one).
SELECT
  d.customer_id,
  coalesce(d.segment, 'no_orders') AS segment,
  d.orders,
  d.net_usd,
  s.clv_12m_usd,
  -- The CLV band and its order (the dashboards' distribution, in HTML and QuickSight alike).
  CASE WHEN s.clv_12m_usd IS NULL THEN NULL WHEN s.clv_12m_usd < 10 THEN 'under $10' WHEN s.clv_12m_usd < 50 THEN '$10-50'
    WHEN s.clv_12m_usd < 100 THEN '$50-100' WHEN s.clv_12m_usd < 500 THEN '$100-500' ELSE '$500 and more' END AS clv_band,
  CASE WHEN s.clv_12m_usd IS NULL THEN NULL WHEN s.clv_12m_usd < 10 THEN 1 WHEN s.clv_12m_usd < 50 THEN 2
    WHEN s.clv_12m_usd < 100 THEN 3 WHEN s.clv_12m_usd < 500 THEN 4 ELSE 5 END AS clv_band_order,
  s.p_alive,
  s.churn_probability,
  s.scored_at,
  coalesce(d.country, 'unknown') AS country,
  CAST(d.first_order_at AS DATE) AS first_order_date
FROM gold.dim_customer d
LEFT JOIN (
  SELECT x.* FROM gold.customer_scores x
  JOIN (SELECT customer_id, max(scored_at) AS scored_at FROM gold.customer_scores GROUP BY customer_id) m
    ON m.customer_id = x.customer_id AND m.scored_at = x.scored_at
) s ON s.customer_id = d.customer_id
WHERE d.is_current
