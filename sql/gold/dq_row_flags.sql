-- gold.dq_row_flags: rows that break a row-level data quality rule, flagged with the rule and why,
-- one row each (Pipeline Health, the DataQualityRowsFlagged alarm). A row-level rule never holds
-- back a publish: the row is kept as the provider sent it and flagged here, the rest of the day
-- publishes. Only table-level rules (reconciliation, uniqueness, keys, freshness) stop a run.
-- Rebuilt every run from the whole lake: a row stays flagged until what it breaks is fixed (a rate
-- loaded and the day rerun, a correction from the provider).
SELECT
  'refunds_within_amount' AS check_name,
  'gold.fact_orders' AS table_name,
  order_key AS row_key,
  concat('refunded ', CAST(refunded_usd AS STRING), ' USD of an order of ', CAST(gross_usd AS STRING), ' USD') AS detail,
  CAST(dt AS STRING) AS dt
FROM fact_orders
WHERE refunded_usd > gross_usd
UNION ALL
SELECT
  'money_has_rate' AS check_name,
  'silver.events' AS table_name,
  event_id AS row_key,
  concat(coalesce(CASE WHEN amount_minor IS NOT NULL AND amount_usd IS NULL THEN currency END,
    CASE WHEN cost_minor IS NOT NULL AND cost_usd IS NULL THEN cost_currency END,
    CASE WHEN revenue_minor IS NOT NULL AND revenue_usd IS NULL THEN revenue_currency END, '?'),
    ' has no USD rate in force on ', CAST(dt AS STRING), ': load its rates (c360 rates import) and rerun the day') AS detail,
  CAST(dt AS STRING) AS dt
FROM silver_events
WHERE (amount_minor IS NOT NULL AND amount_usd IS NULL)
  OR (cost_minor IS NOT NULL AND cost_usd IS NULL)
  OR (revenue_minor IS NOT NULL AND revenue_usd IS NULL)
