-- One profile per customer id.
SELECT count(*) AS failures, min(customer_id) AS example FROM (
  SELECT customer_id FROM dim_customer GROUP BY customer_id HAVING count(*) > 1
) d
-- Generated from sql/pipeline.json (step dq_dim_customer_unique) by npm run gen: edit the declaration, not this file.
