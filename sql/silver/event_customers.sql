-- Which customer each event belongs to (all its non-hub keys are in one component). An event
-- whose only keys are hubs belongs to nobody.
SELECT i.event_id, min(m.customer_id) AS customer_id
FROM silver_identities i
JOIN identity_map m ON m.node = concat(i.id_type, ':', i.id_value)
WHERE NOT m.is_hub
GROUP BY i.event_id
