-- Row-count reconciliation for the run's dates: silver rows = distinct bronze event ids
-- (bronze rows minus duplicates).
SELECT abs(
  (SELECT count(DISTINCT event_id) FROM bronze_events WHERE dt BETWEEN '${from}' AND '${to}')
  - (SELECT count(*) FROM silver_events WHERE dt BETWEEN '${from}' AND '${to}')
) AS failures
