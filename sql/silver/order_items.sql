-- silver.order_items: the lines of every order event (product, quantity, unit price in minor
-- units of the event's currency), partitioned by event date, for the events that arrived in the
-- run's range. The same dedupe as silver.events: an event id stored from an arrival outside the
-- run is skipped, and of the copies that arrived inside it the earliest received wins.
WITH prior_ids AS (
  SELECT DISTINCT event_id FROM silver_event_ids_prior WHERE received_dt < '${from}' OR received_dt > '${to}'
),
lines AS (
  SELECT
    l.event_id,
    l.line_no,
    trim(coalesce(l.line.productId, l.line.sku)) AS product_id,
    trim(l.line.sku) AS sku,
    CAST(l.line.quantity AS INT) AS quantity,
    CAST(l.line.price AS BIGINT) AS unit_price_minor,
    l.dt,
    l.received_dt,
    row_number() OVER (PARTITION BY l.event_id, l.line_no ORDER BY l.received_at, l.received_dt) AS rn
  FROM bronze_order_lines l
  LEFT JOIN prior_ids p ON p.event_id = l.event_id
  WHERE l.received_dt BETWEEN '${from}' AND '${to}' AND p.event_id IS NULL
)
SELECT event_id, line_no, product_id, sku, quantity, unit_price_minor, dt, received_dt
FROM lines
WHERE rn = 1 AND product_id IS NOT NULL AND product_id <> ''
