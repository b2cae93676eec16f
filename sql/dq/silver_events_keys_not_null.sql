-- Keys and event time are never null.
SELECT count(*) AS failures FROM silver_events
WHERE event_id IS NULL OR event_type IS NULL OR ts IS NULL OR dt IS NULL OR source IS NULL
