-- gold.fact_orders: one row per order (order_key = provider:order id), from every event that
-- reports the order's state (placed, paid, updated, cancelled, voided, failed). The order's date
-- is its first event; its status and amount are the latest state's (by the provider's state
-- time). Only a paid order is revenue (gross_usd); voided, cancelled, failed, pending and
-- authorized orders are kept with gross_usd 0. Refunds count once each, by refund id (latest
-- state; failed/cancelled refunds not netted), or as the charge's latest cumulative refunded
-- total when that says more (Stripe since API 2022-11-15 reports only the total), and only
-- against revenue. Money is DECIMAL(18,2).
WITH ev AS (
  SELECT
    concat(coalesce(e.provider, e.source), ':', e.entity_id) AS order_key,
    e.entity_id AS order_id,
    coalesce(e.provider, e.source) AS provider,
    e.event_id,
    ec.customer_id,
    e.ts,
    e.dt,
    e.source,
    e.currency,
    e.amount_minor,
    e.amount_usd,
    e.item_count,
    coalesce(e.status, 'paid') AS status,
    coalesce(e.state_at, e.ts) AS state_at,
    -- Within one instant, a terminal state outranks the payment it ends.
    CASE coalesce(e.status, 'paid') WHEN 'cancelled' THEN 6 WHEN 'voided' THEN 5 WHEN 'paid' THEN 4
      WHEN 'failed' THEN 3 WHEN 'authorized' THEN 2 ELSE 1 END AS status_rank
  FROM silver_events e
  LEFT JOIN event_customers ec ON ec.event_id = e.event_id
  WHERE e.event_type = 'order_completed' AND e.entity_id IS NOT NULL
),
firsts AS (
  SELECT order_key, min(ts) AS ordered_at, min(dt) AS dt, min(customer_id) AS customer_id, count(*) AS state_events
  FROM ev GROUP BY order_key
),
latest AS (
  SELECT ev.*, row_number() OVER (PARTITION BY order_key ORDER BY state_at DESC, status_rank DESC, event_id DESC) AS rn
  FROM ev
),
amounts AS (
  SELECT order_key, currency, amount_minor, amount_usd, item_count,
    row_number() OVER (PARTITION BY order_key ORDER BY state_at DESC, status_rank DESC, event_id DESC) AS rn
  FROM ev WHERE amount_minor IS NOT NULL
),
first_event AS (
  SELECT order_key, event_id, source, row_number() OVER (PARTITION BY order_key ORDER BY ts, event_id) AS rn FROM ev
),
refund_states AS (
  -- Each refund's latest state (by when the provider reported it), and each charge's latest
  -- cumulative refunded total (refund id cumulative:<charge>, Stripe's amount_refunded).
  SELECT
    concat(coalesce(provider, source), ':', entity_id) AS order_key,
    amount_usd,
    coalesce(status, 'succeeded') AS status,
    coalesce(refund_id, '') LIKE 'cumulative:%' AS is_cumulative,
    coalesce(state_at, ts) AS reported_at,
    row_number() OVER (
      PARTITION BY coalesce(provider, source), coalesce(refund_id, event_id)
      ORDER BY coalesce(state_at, ts) DESC, event_id DESC
    ) AS rn
  FROM silver_events
  WHERE event_type = 'order_refunded' AND entity_id IS NOT NULL
),
cumulative_refunds AS (
  SELECT order_key, sum(amount_usd) AS total_usd, max(reported_at) AS reported_at
  FROM refund_states WHERE rn = 1 AND is_cumulative GROUP BY order_key
),
-- A refund that failed or was canceled after a cumulative total was reported had been counted in
-- it: that total is reduced by it. One that failed before was never in it.
failed_after_total AS (
  SELECT s.order_key, sum(s.amount_usd) AS failed_usd
  FROM refund_states s JOIN cumulative_refunds c ON c.order_key = s.order_key
  WHERE s.rn = 1 AND NOT s.is_cumulative AND s.status IN ('failed', 'canceled', 'cancelled')
    AND s.reported_at > c.reported_at
  GROUP BY s.order_key
),
known_refunds AS (
  SELECT order_key, sum(amount_usd) AS refunded_usd, count(*) AS refunds
  FROM refund_states WHERE rn = 1 AND NOT is_cumulative AND status IN ('succeeded', 'pending')
  GROUP BY order_key
),
refunds AS (
  -- The refunds known one by one, or the charge's latest total when that says more (a refund
  -- reported only as a total, or beyond the first page of an embedded list).
  SELECT
    o.order_key,
    greatest(coalesce(kr.refunded_usd, 0), coalesce(c.total_usd, 0) - coalesce(f.failed_usd, 0)) AS refunded_usd,
    greatest(
      coalesce(kr.refunds, 0),
      CASE WHEN coalesce(c.total_usd, 0) - coalesce(f.failed_usd, 0) > 0 THEN 1 ELSE 0 END
    ) AS refunds
  FROM (SELECT DISTINCT order_key FROM refund_states) o
  LEFT JOIN known_refunds kr ON kr.order_key = o.order_key
  LEFT JOIN cumulative_refunds c ON c.order_key = o.order_key
  LEFT JOIN failed_after_total f ON f.order_key = o.order_key
),
orders AS (
  SELECT
    f.order_key,
    l.order_id,
    l.provider,
    fe.event_id,
    f.customer_id,
    f.ordered_at,
    f.dt,
    fe.source,
    l.status,
    CASE WHEN l.status = 'paid' THEN true ELSE false END AS is_revenue,
    a.currency,
    a.amount_minor,
    a.amount_usd,
    coalesce(a.item_count, 0) AS item_count,
    f.state_events,
    coalesce(r.refunded_usd, CAST(0 AS DECIMAL(18,2))) AS all_refunds_usd,
    coalesce(r.refunds, 0) AS refunds
  FROM firsts f
  JOIN latest l ON l.order_key = f.order_key AND l.rn = 1
  JOIN first_event fe ON fe.order_key = f.order_key AND fe.rn = 1
  LEFT JOIN amounts a ON a.order_key = f.order_key AND a.rn = 1
  LEFT JOIN refunds r ON r.order_key = f.order_key
)
SELECT
  order_key,
  order_id,
  provider,
  event_id,
  customer_id,
  ordered_at,
  dt,
  source,
  status,
  is_revenue,
  currency,
  amount_minor,
  amount_usd,
  item_count,
  state_events,
  CAST(CASE WHEN is_revenue THEN amount_usd ELSE 0 END AS DECIMAL(18,2)) AS gross_usd,
  CAST(CASE WHEN is_revenue THEN all_refunds_usd ELSE 0 END AS DECIMAL(18,2)) AS refunded_usd,
  refunds,
  CAST(CASE WHEN is_revenue THEN amount_usd - all_refunds_usd ELSE 0 END AS DECIMAL(18,2)) AS net_usd
FROM orders
