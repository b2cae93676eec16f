-- gold.customer_features: the ML feature table (one row per customer) for churn and segment scoring.
WITH as_of AS (SELECT max(last_seen_at) AS t FROM dim_customer),
sess AS (
  SELECT customer_id, count(*) AS sessions, avg(duration_s) AS avg_session_s, sum(converted) AS converting_sessions
  FROM fact_sessions WHERE customer_id IS NOT NULL GROUP BY customer_id
),
ads AS (
  SELECT customer_id, count(*) AS ad_touches, CAST(sum(cost_usd) AS DOUBLE) AS ad_cost_usd
  FROM fact_ad_attribution WHERE customer_id IS NOT NULL GROUP BY customer_id
)
SELECT
  d.customer_id,
  (unix_timestamp(a.t) - unix_timestamp(d.last_seen_at)) / 86400.0 AS recency_days,
  (unix_timestamp(d.last_seen_at) - unix_timestamp(d.first_seen_at)) / 86400.0 AS tenure_days,
  d.events,
  d.sources,
  d.has_web,
  d.has_mobile,
  d.orders,
  CAST(d.net_usd AS DOUBLE) AS net_usd,
  CASE WHEN d.orders > 0 THEN CAST(d.gross_usd AS DOUBLE) / d.orders ELSE 0 END AS avg_order_usd,
  CAST(d.refunds_usd AS DOUBLE) AS refunds_usd,
  coalesce(r.frequency, 0) AS order_days,
  coalesce(r.r_score, 0) AS r_score,
  coalesce(r.f_score, 0) AS f_score,
  coalesce(r.m_score, 0) AS m_score,
  coalesce(s.sessions, 0) AS sessions,
  coalesce(s.avg_session_s, 0) AS avg_session_s,
  coalesce(s.converting_sessions, 0) AS converting_sessions,
  d.tickets,
  coalesce(d.csat, -1) AS csat,
  coalesce(d.avg_sentiment, 0) AS avg_sentiment,
  coalesce(ad.ad_touches, 0) AS ad_touches,
  coalesce(ad.ad_cost_usd, 0) AS ad_cost_usd
FROM dim_customer d
CROSS JOIN as_of a
LEFT JOIN customer_rfm r ON r.customer_id = d.customer_id
LEFT JOIN sess s ON s.customer_id = d.customer_id
LEFT JOIN ads ad ON ad.customer_id = d.customer_id
