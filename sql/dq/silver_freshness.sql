-- Freshness: the run's date range has data (an empty range means ingestion stalled upstream).
SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END AS failures
FROM silver_events WHERE dt BETWEEN '${from}' AND '${to}'
