-- reporting.segment_migrations: customers moving between segments (type-2 history of dim_customer).
-- materialized: refilled after every load (the type-2 self-join once).
-- column from_segment: Segment before the change (no_orders for a first segment).
-- column to_segment: Segment after the change.
-- column changed_on: Date of the change.
-- column customers: Customers who made that move that day.
SELECT
  coalesce(prev.segment, 'no_orders') AS from_segment,
  coalesce(cur.segment, 'no_orders') AS to_segment,
  CAST(cur.valid_from AS DATE) AS changed_on,
  count(*) AS customers
FROM gold.dim_customer cur
JOIN gold.dim_customer prev ON prev.customer_id = cur.customer_id AND prev.valid_to = cur.valid_from
GROUP BY coalesce(prev.segment, 'no_orders'), coalesce(cur.segment, 'no_orders'), CAST(cur.valid_from AS DATE)
