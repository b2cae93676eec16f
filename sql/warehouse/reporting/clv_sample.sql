-- reporting.clv_sample: the first 3,000 scored customers by customer id (ids are pseudonymous, so an arbitrary sample), their P(alive) and 12-month CLV (the scatter plot).
-- materialized: refilled after every load, from reporting.customer_lifetime_value.
-- column customer_id: The stitched customer id.
-- column p_alive: P(still active).
-- column clv_12m_usd: Expected value of the next 12 months' purchases, USD.
SELECT customer_id, p_alive, clv_12m_usd
FROM reporting.customer_lifetime_value
WHERE p_alive IS NOT NULL
ORDER BY customer_id
LIMIT 3000
