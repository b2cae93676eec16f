-- One row per order (provider:order id).
SELECT count(*) AS failures, min(order_key) AS example FROM (
  SELECT order_key FROM fact_orders GROUP BY order_key HAVING count(*) > 1
) d
-- Generated from sql/pipeline.json (step dq_fact_orders_unique_order_id) by npm run gen: edit the declaration, not this file.
