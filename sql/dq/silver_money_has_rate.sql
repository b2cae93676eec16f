-- Row-level (gold.dq_row_flags lists each row): every amount converts to USD; a currency with no rate in force on the event's date is flagged, the rest publishes (load its rates and rerun the day).
SELECT count(*) AS failures,
  min(concat(coalesce(CASE WHEN amount_minor IS NOT NULL AND amount_usd IS NULL THEN currency END,
    CASE WHEN cost_minor IS NOT NULL AND cost_usd IS NULL THEN cost_currency END,
    CASE WHEN revenue_minor IS NOT NULL AND revenue_usd IS NULL THEN revenue_currency END, '?'), ' on ', dt)) AS example
FROM silver_events
WHERE received_dt BETWEEN '${from}' AND '${to}'
  AND ((amount_minor IS NOT NULL AND amount_usd IS NULL)
    OR (cost_minor IS NOT NULL AND cost_usd IS NULL)
    OR (revenue_minor IS NOT NULL AND revenue_usd IS NULL))
