-- gold.dim_customer: the Customer 360 profile, one row per stitched customer.
WITH ev AS (
  SELECT ec.customer_id, e.*
  FROM silver_events e
  JOIN event_customers ec ON ec.event_id = e.event_id
),
activity AS (
  SELECT
    customer_id,
    min(ts) AS first_seen_at,
    max(ts) AS last_seen_at,
    count(*) AS events,
    count(DISTINCT source) AS sources,
    max(CASE WHEN source = 'web' THEN 1 ELSE 0 END) AS has_web,
    max(CASE WHEN source IN ('ios', 'android') OR device_type IN ('mobile', 'tablet') THEN 1 ELSE 0 END) AS has_mobile,
    max(CASE WHEN event_type IN ('order_completed', 'order_refunded') THEN 1 ELSE 0 END) AS has_purchases,
    max(CASE WHEN event_type = 'crm_contact' THEN 1 ELSE 0 END) AS in_crm,
    max_by(campaign_name, CASE WHEN campaign_name IS NOT NULL THEN ts END) AS last_campaign,
    max_by(country, CASE WHEN country IS NOT NULL THEN ts END) AS country,
    max_by(lifecycle_stage, CASE WHEN lifecycle_stage IS NOT NULL THEN ts END) AS lifecycle_stage,
    -- The current user id: the latest event's own userId. After a Segment alias the old id is
    -- still a key of the customer (its earlier events join), but the profile shows the new one.
    max_by(user_id, CASE WHEN user_id IS NOT NULL THEN ts END) AS current_user_id,
    avg(CASE WHEN event_type = 'social_mention' THEN sentiment_score END) AS avg_sentiment,
    sum(CASE WHEN event_type = 'social_mention' THEN 1 ELSE 0 END) AS social_mentions
  FROM ev
  GROUP BY customer_id
),
orders AS (
  -- Revenue orders only (paid); gross, refunds and net as in fact_orders, kpi_daily and customer_rfm.
  SELECT customer_id, count(*) AS orders, sum(gross_usd) AS gross_usd, sum(refunded_usd) AS refunds_usd,
    sum(net_usd) AS net_usd, min(ordered_at) AS first_order_at, max(ordered_at) AS last_order_at
  FROM fact_orders WHERE customer_id IS NOT NULL AND is_revenue GROUP BY customer_id
),
tickets AS (
  SELECT customer_id, count(*) AS tickets, avg(csat_score) AS csat
  FROM fact_support_tickets WHERE customer_id IS NOT NULL GROUP BY customer_id
),
ids AS (
  SELECT customer_id, count(*) AS identity_keys,
    min(CASE WHEN id_type = 'user_id' THEN id_value END) AS user_id
  FROM identity_map GROUP BY customer_id
)
SELECT
  a.customer_id,
  coalesce(a.current_user_id, i.user_id) AS user_id,
  i.identity_keys,
  a.first_seen_at,
  a.last_seen_at,
  a.events,
  a.sources,
  a.has_web,
  a.has_mobile,
  a.in_crm,
  a.country,
  a.lifecycle_stage,
  a.last_campaign,
  coalesce(o.orders, 0) AS orders,
  CAST(coalesce(o.gross_usd, 0) AS DECIMAL(18,2)) AS gross_usd,
  CAST(coalesce(o.refunds_usd, 0) AS DECIMAL(18,2)) AS refunds_usd,
  CAST(coalesce(o.net_usd, 0) AS DECIMAL(18,2)) AS net_usd,
  o.first_order_at,
  o.last_order_at,
  coalesce(t.tickets, 0) AS tickets,
  t.csat,
  a.avg_sentiment,
  a.social_mentions
FROM activity a
LEFT JOIN orders o ON o.customer_id = a.customer_id
LEFT JOIN tickets t ON t.customer_id = a.customer_id
LEFT JOIN ids i ON i.customer_id = a.customer_id
