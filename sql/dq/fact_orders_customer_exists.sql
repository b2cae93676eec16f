-- Referential integrity: every order with a customer belongs to a customer in dim_customer (guest orders have none).
SELECT count(*) AS failures, min(s.customer_id) AS example
FROM fact_orders s
LEFT JOIN dim_customer t ON t.customer_id = s.customer_id
WHERE s.customer_id IS NOT NULL AND t.customer_id IS NULL
-- Generated from sql/pipeline.json (step dq_fact_orders_customer_exists) by npm run gen: edit the declaration, not this file.
