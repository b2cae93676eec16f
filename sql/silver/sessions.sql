-- silver.sessions: web/mobile activity of people (bot traffic excluded) split into sessions after 30 minutes of inactivity,
-- per device (anonymousId, else userId). The customer comes from the device's own identity key
-- (a lookup in the small identity map, not a join of every event).
-- A keyed step: a run recomputes the keys in session_keys_touched over their whole history, and
-- keeps every other key's stored sessions (full_rebuild: all keys).
WITH sessionable AS (
  -- Narrow rows through the two windows (each sorts what it carries); the event's attributes are
  -- joined back by its unique id afterwards.
  SELECT e.event_id, coalesce(e.anonymous_id, e.user_id) AS session_key, e.ts
  FROM silver_events e
  WHERE e.event_type IN ('track', 'page', 'screen', 'identify')
    AND NOT coalesce(e.is_bot, false)
    AND coalesce(e.anonymous_id, e.user_id) IS NOT NULL
),
activity AS (
  -- All keys, or the touched ones: the branch whose constant condition is false is pruned when
  -- the query is planned (an `OR` would still join every row to the list).
  SELECT * FROM sessionable WHERE ${full_rebuild}
  UNION ALL
  SELECT s.* FROM sessionable s JOIN session_keys_touched t ON t.session_key = s.session_key
  WHERE NOT ${full_rebuild}
),
gaps AS (
  SELECT
    a.*,
    CASE
      WHEN lag(a.ts) OVER (PARTITION BY a.session_key ORDER BY a.ts, a.event_id) IS NULL THEN 1
      WHEN unix_timestamp(a.ts) - unix_timestamp(lag(a.ts) OVER (PARTITION BY a.session_key ORDER BY a.ts, a.event_id)) > 1800 THEN 1
      ELSE 0
    END AS is_new
  FROM activity a
),
numbered AS (
  SELECT
    g.*,
    sum(g.is_new) OVER (PARTITION BY g.session_key ORDER BY g.ts, g.event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_seq
  FROM gaps g
)
SELECT
  concat('s_', substr(md5(concat(n.session_key, ':', CAST(n.session_seq AS STRING))), 1, 16)) AS session_id,
  n.session_key,
  n.session_seq,
  n.event_id,
  m.customer_id,
  n.ts,
  e.event_type,
  e.source,
  e.device_type,
  e.referrer_class,
  e.campaign_source,
  e.country
FROM numbered n
JOIN silver_events e ON e.event_id = n.event_id
LEFT JOIN identity_map m ON NOT m.is_hub AND m.node = CASE
  WHEN e.anonymous_id IS NOT NULL THEN concat('anonymous_id:', e.anonymous_id)
  ELSE concat('user_id:', e.user_id)
END
