-- gold.audience_members: the members of every audience after this run (consented only).
-- Rendered from src/domain/audiences.ts by scripts/gen-reference.ts (npm run gen): do not edit.
WITH scores AS (
  SELECT customer_id, churn_probability, clv_12m_usd, scored_at FROM (
    SELECT s.*, row_number() OVER (PARTITION BY customer_id ORDER BY scored_at DESC, model_version DESC) AS rn
    FROM customer_scores_latest s
  ) t WHERE rn = 1
),
audience_features AS (
  SELECT
    d.customer_id,
    CAST('${to}' AS DATE) AS as_of,
    r.segment AS rfm_segment,
    coalesce(d.orders, 0) AS orders,
    d.net_usd,
    CAST(d.first_seen_at AS DATE) AS first_seen_date,
    CAST(d.last_seen_at AS DATE) AS last_seen_date,
    CAST(d.last_order_at AS DATE) AS last_order_date,
    d.country,
    d.lifecycle_stage,
    s.churn_probability,
    CAST(s.clv_12m_usd AS DECIMAL(18,2)) AS clv_12m_usd,
    CAST(s.scored_at AS DATE) AS scored_on
  FROM dim_customer d
  LEFT JOIN customer_rfm r ON r.customer_id = d.customer_id
  LEFT JOIN scores s ON s.customer_id = d.customer_id
),
candidates AS (
  SELECT customer_id, 'best_customers' AS audience, 'advertising' AS purpose FROM audience_features WHERE rfm_segment = 'champions'
  UNION ALL
  SELECT customer_id, 'high_value_at_risk' AS audience, 'marketing' AS purpose FROM audience_features WHERE churn_probability >= 0.5 AND clv_12m_usd >= 100
  UNION ALL
  SELECT customer_id, 'new_this_week' AS audience, 'marketing' AS purpose FROM audience_features WHERE first_seen_date > date_add(as_of, -7)
  UNION ALL
  SELECT customer_id, 'win_back' AS audience, 'marketing' AS purpose FROM audience_features WHERE rfm_segment IN ('at_risk', 'hibernating')
),
members AS (
  SELECT c.audience, c.purpose, c.customer_id, k.stated_at AS consented_at
  FROM candidates c
  JOIN customer_consent k ON k.customer_id = c.customer_id AND k.purpose = c.purpose AND k.granted
),
previous AS (
  SELECT audience, customer_id, entered_on FROM audience_members_previous
  WHERE coalesce(as_of < CAST('${to}' AS DATE), true) OR coalesce(entered_on < CAST('${to}' AS DATE), true)
  UNION ALL
  SELECT audience, customer_id, CAST(NULL AS DATE) AS entered_on FROM audience_changes_previous
  WHERE change = 'exit' AND as_of = CAST('${to}' AS DATE)
)
SELECT m.audience, m.purpose, m.customer_id, m.consented_at,
  CASE WHEN p.customer_id IS NULL THEN CAST('${to}' AS DATE) ELSE p.entered_on END AS entered_on,
  CAST('${to}' AS DATE) AS as_of
FROM members m
LEFT JOIN previous p ON p.audience = m.audience AND p.customer_id = m.customer_id
