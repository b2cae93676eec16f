-- gold.fact_sessions: one row per session with its first-touch channel and conversion.
-- A keyed step like silver.sessions: the sessions of touched keys are recomputed, the rest kept.
WITH keyed AS (
  -- All keys, or the touched ones (the false branch is pruned when the query is planned).
  SELECT * FROM sessions WHERE ${full_rebuild}
  UNION ALL
  SELECT x.* FROM sessions x JOIN session_keys_touched t ON t.session_key = x.session_key
  WHERE NOT ${full_rebuild}
),
s AS (
  SELECT
    session_id,
    min(session_key) AS session_key,
    min(customer_id) AS customer_id,
    min(ts) AS started_at,
    max(ts) AS ended_at,
    count(*) AS events,
    sum(CASE WHEN event_type IN ('page', 'screen') THEN 1 ELSE 0 END) AS views,
    min(source) AS source,
    max_by(device_type, ts) AS device_type,
    min_by(referrer_class, ts) AS referrer_class,
    min_by(campaign_source, ts) AS campaign_source,
    min_by(country, ts) AS country
  FROM keyed
  GROUP BY session_id
)
SELECT
  s.*,
  CAST(substr(CAST(s.started_at AS STRING), 1, 10) AS DATE) AS session_date,
  unix_timestamp(s.ended_at) - unix_timestamp(s.started_at) AS duration_s,
  CASE WHEN EXISTS (
    SELECT 1 FROM fact_orders o
    WHERE o.customer_id = s.customer_id
      AND o.ordered_at BETWEEN s.started_at AND s.ended_at + INTERVAL 30 MINUTE
  ) THEN 1 ELSE 0 END AS converted
FROM s
