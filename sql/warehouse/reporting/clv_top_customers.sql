-- reporting.clv_top_customers: the 100 current customers with the highest 12-month CLV, ranked (ties by customer id).
-- materialized: refilled after every load, from reporting.customer_lifetime_value.
-- column clv_rank: Rank by 12-month CLV (1 = highest).
-- column customer_id: The stitched customer id.
-- column segment: The customer's current segment.
-- column orders: Revenue orders to date.
-- column net_usd: Net revenue to date, USD.
-- column clv_12m_usd: Expected value of the next 12 months' purchases, USD.
-- column p_alive: P(still active).
SELECT
  row_number() OVER (ORDER BY clv_12m_usd DESC, customer_id) AS clv_rank,
  customer_id, segment, orders, net_usd, clv_12m_usd, p_alive
FROM (
  SELECT * FROM reporting.customer_lifetime_value
  WHERE clv_12m_usd IS NOT NULL
  ORDER BY clv_12m_usd DESC, customer_id
  LIMIT 100
) t
