-- gold.fact_support_tickets: one row per ticket, latest state, CSAT when rated.
SELECT
  e.entity_id AS ticket_id,
  min(ec.customer_id) AS customer_id,
  min(e.ts) AS first_seen_at,
  min(CASE WHEN e.action = 'created' THEN e.ts END) AS created_at,
  min(CASE WHEN e.action = 'solved' OR e.status IN ('solved', 'closed') THEN e.ts END) AS solved_at,
  max_by(e.status, e.ts) AS status,
  max_by(e.priority, e.ts) AS priority,
  max(e.satisfaction_score) AS csat_score,
  count(*) AS updates
FROM silver_events e
LEFT JOIN event_customers ec ON ec.event_id = e.event_id
WHERE e.event_type = 'support_ticket' AND e.entity_id IS NOT NULL
GROUP BY e.entity_id
