-- gold.fact_orders: one row per order (orderId), first completion wins; refunds netted in.
WITH orders AS (
  SELECT
    e.entity_id AS order_id,
    e.event_id,
    ec.customer_id,
    e.ts,
    e.dt,
    e.source,
    e.currency,
    e.amount_minor,
    e.amount_usd,
    e.item_count,
    row_number() OVER (PARTITION BY e.entity_id ORDER BY e.ts, e.event_id) AS rn
  FROM silver_events e
  LEFT JOIN event_customers ec ON ec.event_id = e.event_id
  WHERE e.event_type = 'order_completed' AND e.entity_id IS NOT NULL
),
refunds AS (
  SELECT entity_id AS order_id, sum(amount_usd) AS refunded_usd, count(*) AS refunds
  FROM silver_events
  WHERE event_type = 'order_refunded'
  GROUP BY entity_id
)
SELECT
  o.order_id,
  o.event_id,
  o.customer_id,
  o.ts AS ordered_at,
  o.dt,
  o.source,
  o.currency,
  o.amount_minor,
  o.amount_usd,
  coalesce(o.item_count, 0) AS item_count,
  coalesce(r.refunded_usd, 0) AS refunded_usd,
  coalesce(r.refunds, 0) AS refunds,
  o.amount_usd - coalesce(r.refunded_usd, 0) AS net_usd
FROM orders o
LEFT JOIN refunds r ON r.order_id = o.order_id
WHERE o.rn = 1
