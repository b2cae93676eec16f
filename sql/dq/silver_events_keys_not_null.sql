-- Keys and event time are never null.
SELECT count(*) AS failures, CAST(NULL AS STRING) AS example FROM silver_events
WHERE event_id IS NULL OR event_type IS NULL OR ts IS NULL OR dt IS NULL OR source IS NULL
-- Generated from sql/pipeline.json (step dq_silver_events_keys_not_null) by npm run gen: edit the declaration, not this file.
