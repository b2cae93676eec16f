-- gold.consent_history: each change of a customer's consent to a purpose (a grant, a withdrawal),
-- in order, with what it was before (NULL: the first statement), its source and event. A statement
-- that repeats the current state is not a change. Statements at one instant are ordered grant
-- before withdrawal, so a withdrawal sent with a grant wins, as in gold.customer_consent.
WITH ordered AS (
  SELECT s.*,
    lag(s.granted) OVER (PARTITION BY s.customer_id, s.purpose ORDER BY s.stated_at, s.granted DESC, s.event_id) AS previously
  FROM consent_statements s
)
SELECT customer_id, purpose, granted, previously, stated_at AS changed_at, source, event_id
FROM ordered
WHERE previously IS NULL OR previously <> granted
