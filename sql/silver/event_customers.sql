-- Which customer each event belongs to (all its keys are in one component).
SELECT i.event_id, min(m.customer_id) AS customer_id
FROM silver_identities i
JOIN identity_map m ON m.node = concat(i.id_type, ':', i.id_value)
GROUP BY i.event_id
