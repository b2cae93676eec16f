-- One row per order (provider:order id).
SELECT count(*) AS failures FROM (SELECT order_key FROM fact_orders GROUP BY order_key HAVING count(*) > 1) d
