-- Referential integrity: every order with a customer belongs to a customer in dim_customer (guest orders have none).
SELECT count(*) AS failures
FROM fact_orders o
LEFT JOIN dim_customer c ON c.customer_id = o.customer_id
WHERE o.customer_id IS NOT NULL AND c.customer_id IS NULL
