-- The profile store's computed half (src/domain/profile.ts), one row per current customer: what the
-- daily pipeline knows about them, written to the profile store after the warehouse load by the
-- SyncProfiles state (embedded: src/runtime/profiles.ts with DuckDB; AWS: glue/profiles_sync.py,
-- Spark SQL over the same gold tables, into DynamoDB). Lists are comma-joined text (identity keys
-- hold no comma: values are ids and hex hashes), sorted so both engines give the same text;
-- recommendations carry their rank as a 3-digit prefix (`001|product`) so the order survives.
-- Hub keys (identity_map.is_hub) are never a way to find a profile.
WITH ids AS (
  SELECT customer_id, array_join(sort_array(collect_list(node)), ',') AS identities
  FROM identity_map WHERE NOT is_hub GROUP BY customer_id
),
scores AS (
  SELECT * FROM (
    SELECT s.*, row_number() OVER (PARTITION BY customer_id ORDER BY scored_at DESC, model_version DESC) AS rn
    FROM customer_scores s
  ) t WHERE rn = 1
),
recs AS (
  SELECT customer_id,
    array_join(sort_array(collect_list(concat(lpad(CAST(rec_rank AS STRING), 3, '0'), '|', product_id))), ',') AS recommendations
  FROM customer_recommendations GROUP BY customer_id
),
aud AS (
  SELECT customer_id, array_join(sort_array(collect_list(audience)), ',') AS audiences
  FROM audience_members GROUP BY customer_id
)
SELECT
  d.customer_id,
  coalesce(i.identities, '') AS identities,
  r.segment,
  d.lifecycle_stage,
  d.country,
  CAST(d.first_seen_at AS STRING) AS first_seen_at,
  CAST(d.last_seen_at AS STRING) AS last_seen_at,
  CAST(coalesce(d.orders, 0) AS BIGINT) AS orders,
  CAST(d.net_usd AS STRING) AS net_usd,
  s.churn_probability,
  s.p_alive,
  CAST(s.clv_12m_usd AS STRING) AS clv_12m_usd,
  s.expected_purchases_90d,
  s.model_version,
  CAST(s.scored_at AS STRING) AS scored_at,
  coalesce(c.recommendations, '') AS recommendations,
  coalesce(a.audiences, '') AS audiences
FROM dim_customer d
LEFT JOIN ids i ON i.customer_id = d.customer_id
LEFT JOIN customer_rfm r ON r.customer_id = d.customer_id
LEFT JOIN scores s ON s.customer_id = d.customer_id
LEFT JOIN recs c ON c.customer_id = d.customer_id
LEFT JOIN aud a ON a.customer_id = d.customer_id
