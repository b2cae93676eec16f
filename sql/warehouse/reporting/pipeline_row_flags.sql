-- reporting.pipeline_row_flags: rows flagged by a row-level data quality rule, per rule, with the days they span and an example (Pipeline Health).
-- column check_name: The row-level rule (refunds_within_amount, money_has_rate).
-- column table_name: Where the flagged rows are.
-- column rows_flagged: Rows flagged by the rule.
-- column first_day: Date of the earliest flagged row.
-- column last_day: Date of the latest flagged row.
-- column example: One flagged row's reason, to start from.
SELECT check_name, table_name, count(*) AS rows_flagged, min(dt) AS first_day, max(dt) AS last_day, min(detail) AS example
FROM gold.dq_row_flags
GROUP BY check_name, table_name
