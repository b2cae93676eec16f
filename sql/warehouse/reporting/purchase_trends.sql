-- reporting.purchase_trends: revenue orders per day (Real-Time Purchase Trends, daily grain): orders, buyers, gross, refunds, net.
-- materialized: refilled after every load (a row per day instead of grouping every order per visual).
-- column order_date: The order date (UTC).
-- column orders: Revenue orders that day.
-- column buyers: Distinct customers who ordered that day.
-- column gross_usd: Gross revenue that day, USD.
-- column refunds_usd: Refunds of that day's orders, USD.
-- column net_usd: Net revenue that day, USD.
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
