-- gold.fact_social_mentions: one row per mention with its sentiment.
SELECT
  e.entity_id AS mention_id,
  ec.customer_id,
  e.ts AS mentioned_at,
  e.dt,
  e.platform,
  e.sentiment,
  coalesce(e.sentiment_score, CASE e.sentiment WHEN 'positive' THEN 1.0 WHEN 'negative' THEN -1.0 ELSE 0.0 END) AS sentiment_score
FROM silver_events e
LEFT JOIN event_customers ec ON ec.event_id = e.event_id
WHERE e.event_type = 'social_mention'
