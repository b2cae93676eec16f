-- gold.audience_members: who each audience holds after this run: the audiences marketing and ad
-- tools receive, and only people whose consent covers the audience's purpose (gold.customer_consent:
-- the latest statement grants it; no statement is no consent). A withdrawal takes a person out on
-- the next run. Audiences: win_back (marketing) the RFM segments that bought and stopped;
-- best_customers (advertising, e.g. a lookalike seed) the champions.
WITH candidates AS (
  SELECT customer_id, 'win_back' AS audience, 'marketing' AS purpose
  FROM customer_rfm WHERE segment IN ('at_risk', 'hibernating')
  UNION ALL
  SELECT customer_id, 'best_customers' AS audience, 'advertising' AS purpose
  FROM customer_rfm WHERE segment = 'champions'
)
SELECT c.audience, c.purpose, c.customer_id, k.stated_at AS consented_at
FROM candidates c
JOIN customer_consent k ON k.customer_id = c.customer_id AND k.purpose = c.purpose AND k.granted
