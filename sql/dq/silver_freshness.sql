-- Freshness: events arrived in the run's range (an empty range means ingestion stalled upstream).
SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END AS failures
FROM silver_events WHERE received_dt BETWEEN '${from}' AND '${to}'
