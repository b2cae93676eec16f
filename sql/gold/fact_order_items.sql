-- gold.fact_order_items: one row per line of every order in gold.fact_orders, from the latest of
-- the order's events that listed lines (an order updated with new lines shows the new ones).
-- Unit prices stay exact, in minor units of the order's currency; is_revenue is the order's
-- (only a paid order's lines are purchases). The recommendations model trains on these rows.
WITH line_events AS (
  SELECT
    concat(coalesce(e.provider, e.source), ':', e.entity_id) AS order_key,
    e.event_id,
    row_number() OVER (
      PARTITION BY concat(coalesce(e.provider, e.source), ':', e.entity_id)
      ORDER BY coalesce(e.state_at, e.ts) DESC, e.event_id DESC
    ) AS rn
  FROM silver_events e
  WHERE e.event_type = 'order_completed' AND e.entity_id IS NOT NULL
    AND e.event_id IN (SELECT event_id FROM silver_order_items)
)
SELECT
  o.order_key,
  o.customer_id,
  o.ordered_at,
  o.dt,
  o.is_revenue,
  i.line_no,
  i.product_id,
  i.sku,
  i.quantity,
  o.currency,
  i.unit_price_minor,
  i.unit_price_minor * i.quantity AS line_amount_minor
FROM line_events le
JOIN silver_order_items i ON i.event_id = le.event_id
JOIN fact_orders o ON o.order_key = le.order_key
WHERE le.rn = 1
