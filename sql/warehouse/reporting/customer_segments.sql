-- reporting.customer_segments: current customers per RFM segment, their share and revenue (QuickSight: Customer Segmentation).
-- materialized: refilled after every load (five rows instead of a scan of the customers per visual).
-- column segment: RFM segment (no_orders for customers without a revenue order).
-- column customers: Current customers in the segment.
-- column customer_share: Share of all current customers (0–1).
-- column net_usd: Net revenue of the segment's customers, USD.
-- column revenue_share: Share of all net revenue (0–1).
-- column avg_net_usd: Mean net revenue per customer of the segment, USD.
SELECT
  coalesce(d.segment, 'no_orders') AS segment,
  count(*) AS customers,
  CAST(count(*) AS DOUBLE) / (SELECT count(*) FROM gold.dim_customer WHERE is_current) AS customer_share,
  sum(d.net_usd) AS net_usd,
  CAST(sum(d.net_usd) AS DOUBLE) / nullif((SELECT CAST(sum(net_usd) AS DOUBLE) FROM gold.dim_customer WHERE is_current), 0) AS revenue_share,
  avg(CAST(d.net_usd AS DOUBLE)) AS avg_net_usd
FROM gold.dim_customer d
WHERE d.is_current
GROUP BY coalesce(d.segment, 'no_orders')
