-- gold.customer_consent: each customer's current consent per purpose: their latest statement
-- (a withdrawal wins a tie). No row for a purpose means no consent (opt-in): processing that needs
-- consent (gold.audience_members, personalization) requires a row with granted = true.
WITH ranked AS (
  SELECT s.*,
    row_number() OVER (PARTITION BY s.customer_id, s.purpose ORDER BY s.stated_at DESC, s.granted, s.event_id DESC) AS rn
  FROM consent_statements s
)
SELECT customer_id, purpose, granted, stated_at, source, event_id
FROM ranked
WHERE rn = 1
