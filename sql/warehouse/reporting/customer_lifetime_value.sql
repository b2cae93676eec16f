-- reporting.customer_lifetime_value: per current customer, net revenue to date and the latest model scores (CLV, P(alive), churn).
SELECT
  d.customer_id,
  d.segment,
  d.orders,
  d.net_usd,
  s.clv_12m_usd,
  s.p_alive,
  s.churn_probability,
  s.scored_at
FROM gold.dim_customer d
LEFT JOIN (
  SELECT x.* FROM gold.customer_scores x
  JOIN (SELECT customer_id, max(scored_at) AS scored_at FROM gold.customer_scores GROUP BY customer_id) m
    ON m.customer_id = x.customer_id AND m.scored_at = x.scored_at
) s ON s.customer_id = d.customer_id
WHERE d.is_current
