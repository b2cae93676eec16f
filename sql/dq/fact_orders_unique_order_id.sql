-- One row per order.
SELECT count(*) AS failures FROM (SELECT order_id FROM fact_orders GROUP BY order_id HAVING count(*) > 1) d
