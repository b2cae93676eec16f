-- reporting.customer_segments: current customers per RFM segment, their share and revenue (QuickSight: Customer Segmentation).
-- materialized: refilled after every load (five rows instead of a scan of the customers per visual).
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
