-- reporting.pipeline_health: the last load of each warehouse table: when, what range, how many rows (Pipeline Health sheet).
-- column table_name: The warehouse table.
-- column loaded_at: When its last load committed (UTC).
-- column date_from: First date of that load's range.
-- column date_to: Last date of that load's range.
-- column rows_loaded: Rows that load merged.
-- column rows_in_table: Rows in the table after it.
SELECT a.table_name, a.loaded_at, a.date_from, a.date_to, a.rows_loaded, a.rows_in_table
FROM gold.load_audit a
JOIN (SELECT table_name, max(loaded_at) AS loaded_at FROM gold.load_audit GROUP BY table_name) m
  ON m.table_name = a.table_name AND m.loaded_at = a.loaded_at
