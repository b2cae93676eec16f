-- Reconciliation for the events that arrived in the run's range: bronze rows = silver rows + duplicates (ids repeated in bronze, or already in silver from another arrival window) + rejected (none: silver rejects nothing).
WITH b AS (
  SELECT count(*) AS bronze_rows, count(DISTINCT event_id) AS bronze_ids
  FROM bronze_events WHERE received_dt BETWEEN '${from}' AND '${to}'
),
prior AS (
  SELECT count(DISTINCT x.event_id) AS elsewhere
  FROM bronze_events x
  JOIN silver_event_ids_prior p ON p.event_id = x.event_id
    AND (p.received_dt < '${from}' OR p.received_dt > '${to}')
  WHERE x.received_dt BETWEEN '${from}' AND '${to}'
),
s AS (SELECT count(*) AS silver_rows FROM silver_events WHERE received_dt BETWEEN '${from}' AND '${to}')
SELECT
  abs(b.bronze_rows - (s.silver_rows + (b.bronze_rows - b.bronze_ids) + prior.elsewhere)) AS failures,
  concat('bronze ', CAST(b.bronze_rows AS STRING), ' <> silver ', CAST(s.silver_rows AS STRING),
    ' + duplicates ', CAST(b.bronze_rows - b.bronze_ids + prior.elsewhere AS STRING)) AS example
FROM b CROSS JOIN prior CROSS JOIN s
