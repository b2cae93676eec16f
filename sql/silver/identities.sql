-- silver.identities: the identity keys of each event (deduplicated), partitioned by event date,
-- for the events that arrived in the run's range (the same global dedupe as silver.events).
SELECT DISTINCT i.event_id, i.id_type, i.id_value, i.dt, i.received_dt
FROM bronze_identities i
WHERE i.received_dt BETWEEN '${from}' AND '${to}' AND i.id_value IS NOT NULL AND i.id_value <> ''
  AND NOT EXISTS (SELECT 1 FROM silver_event_ids_prior p WHERE p.event_id = i.event_id
    AND (p.received_dt < '${from}' OR p.received_dt > '${to}'))
