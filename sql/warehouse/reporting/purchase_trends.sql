-- reporting.purchase_trends: revenue orders per day (Real-Time Purchase Trends, daily grain): orders, buyers, gross, refunds, net.
-- materialized: refilled after every load (a row per day instead of grouping every order per visual).
SELECT
  o.order_date,
  count(*) AS orders,
  count(DISTINCT o.customer_id) AS buyers,
  sum(o.gross_usd) AS gross_usd,
  sum(o.refunded_usd) AS refunds_usd,
  sum(o.net_usd) AS net_usd
FROM gold.fact_orders o
WHERE o.is_revenue
GROUP BY o.order_date
