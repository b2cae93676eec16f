-- reporting.orders_explore: every revenue order with its customer's current segment and country (the served dashboards' filters and drill-down).
-- materialized: refilled after every load in date order (a filtered query scans only the range's blocks and joins nothing).
-- column order_date: The order date (UTC).
-- column order_id: The order id as the provider sent it.
-- column customer_id: The customer (NULL for a guest order).
-- column customer_no: A number per customer within this table (NULL for a guest order): what the served dashboards count distinct buyers on (a number hashes faster than the id).
-- column segment: The customer's current RFM segment (no_segment for a guest or a customer without one).
-- column country: The customer's country, ISO-3166 alpha-2 (unknown when not known).
-- column source: The source the order came from (orders file, stripe, shopify, …).
-- column net_usd: Net revenue of the order, USD.
SELECT
  o.order_date,
  o.order_id,
  o.customer_id,
  CASE WHEN o.customer_id IS NULL THEN NULL ELSE dense_rank() OVER (ORDER BY o.customer_id) END AS customer_no,
  coalesce(d.segment, 'no_segment') AS segment,
  coalesce(d.country, 'unknown') AS country,
  o.source,
  o.net_usd
FROM gold.fact_orders o
LEFT JOIN gold.dim_customer d ON d.customer_id = o.customer_id AND d.is_current
WHERE o.is_revenue
ORDER BY o.order_date, o.customer_id
