-- silver.identities: the identity keys of each event (deduplicated), partitioned by dt.
SELECT DISTINCT i.event_id, i.id_type, i.id_value, i.dt
FROM bronze_identities i
WHERE i.dt BETWEEN '${from}' AND '${to}' AND i.id_value IS NOT NULL AND i.id_value <> ''
