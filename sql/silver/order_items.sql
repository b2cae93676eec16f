-- silver.order_items: the lines of every order event (product, quantity, unit price in minor
-- units of the event's currency), partitioned by event date, for the events that arrived in the
-- run's range. The same dedupe as silver.events: an event id stored from an arrival outside the
-- run is skipped, and of the copies that arrived inside it the earliest received wins.
WITH lines AS (
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
  WHERE l.received_dt BETWEEN '${from}' AND '${to}'
    AND NOT EXISTS (SELECT 1 FROM silver_event_ids_prior p WHERE p.event_id = l.event_id
      AND (p.received_dt < '${from}' OR p.received_dt > '${to}'))
)
SELECT event_id, line_no, product_id, sku, quantity, unit_price_minor, dt, received_dt
FROM lines
WHERE rn = 1 AND product_id IS NOT NULL AND product_id <> ''
