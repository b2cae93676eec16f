-- Referential integrity: every order belongs to a customer in dim_customer.
SELECT count(*) AS failures
FROM fact_orders o
LEFT JOIN dim_customer c ON c.customer_id = o.customer_id
WHERE c.customer_id IS NULL
