-- One profile per customer id.
SELECT count(*) AS failures FROM (SELECT customer_id FROM dim_customer GROUP BY customer_id HAVING count(*) > 1) d
