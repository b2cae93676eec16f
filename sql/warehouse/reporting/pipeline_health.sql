-- reporting.pipeline_health: the last load of each warehouse table: when, what range, how many rows (Pipeline Health sheet).
SELECT a.table_name, a.loaded_at, a.date_from, a.date_to, a.rows_loaded, a.rows_in_table
FROM gold.load_audit a
JOIN (SELECT table_name, max(loaded_at) AS loaded_at FROM gold.load_audit GROUP BY table_name) m
  ON m.table_name = a.table_name AND m.loaded_at = a.loaded_at
