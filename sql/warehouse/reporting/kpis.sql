-- reporting.kpis: headline numbers for the executive sheet (all time): customers, buyers, orders, net revenue, AOV, sessions, converting sessions.
-- materialized: refilled after every load (one row instead of scans of the facts).
-- column customers: Current customers (all time).
-- column buyers: Customers with at least one revenue order.
-- column orders: Revenue orders.
-- column net_usd: Net revenue, USD.
-- column aov_usd: Average order value: gross revenue per revenue order, USD.
-- column sessions: Web and mobile sessions (bots excluded).
-- column converting_sessions: Sessions with a revenue order.
SELECT
  (SELECT count(*) FROM gold.dim_customer WHERE is_current) AS customers,
  (SELECT count(DISTINCT customer_id) FROM gold.fact_orders WHERE is_revenue AND customer_id IS NOT NULL) AS buyers,
  (SELECT count(*) FROM gold.fact_orders WHERE is_revenue) AS orders,
  (SELECT sum(net_usd) FROM gold.fact_orders WHERE is_revenue) AS net_usd,
  (SELECT CAST(sum(gross_usd) AS DOUBLE) / nullif(count(*), 0) FROM gold.fact_orders WHERE is_revenue) AS aov_usd,
  (SELECT count(*) FROM gold.fact_sessions) AS sessions,
  (SELECT sum(converted) FROM gold.fact_sessions) AS converting_sessions
