-- silver.identities: the identity keys of each event (deduplicated), partitioned by event date,
-- for the events that arrived in the run's range (the same global dedupe as silver.events), and
-- whether the event came with a public (client-side) write key.
WITH prior_ids AS (
  SELECT DISTINCT event_id FROM silver_event_ids_prior WHERE received_dt < '${from}' OR received_dt > '${to}'
)
SELECT DISTINCT i.event_id, i.id_type, i.id_value, i.client_side, i.dt, i.received_dt
FROM bronze_identities i
LEFT JOIN prior_ids p ON p.event_id = i.event_id
WHERE i.received_dt BETWEEN '${from}' AND '${to}' AND i.id_value IS NOT NULL AND i.id_value <> ''
  AND p.event_id IS NULL
