-- gold.audience_changes: who entered and who left each audience in this run (the run date as_of).
-- Rendered from src/domain/audiences.ts by scripts/gen-reference.ts (npm run gen): do not edit.
WITH previous AS (
  SELECT audience, customer_id, entered_on FROM audience_members_previous
  WHERE coalesce(as_of < CAST('${to}' AS DATE), true) OR coalesce(entered_on < CAST('${to}' AS DATE), true)
  UNION ALL
  SELECT audience, customer_id, CAST(NULL AS DATE) AS entered_on FROM audience_changes_previous
  WHERE change = 'exit' AND as_of = CAST('${to}' AS DATE)
)
SELECT CAST('${to}' AS DATE) AS as_of, m.audience, m.purpose, m.customer_id, 'enter' AS change
FROM audience_members m WHERE m.entered_on = CAST('${to}' AS DATE)
UNION ALL
SELECT CAST('${to}' AS DATE) AS as_of, p.audience, d.purpose, p.customer_id, 'exit' AS change
FROM previous p
JOIN audience_definitions d ON d.audience = p.audience
WHERE NOT EXISTS (SELECT 1 FROM audience_members m WHERE m.audience = p.audience AND m.customer_id = p.customer_id)
UNION ALL
SELECT CAST('${to}' AS DATE) AS as_of, p.audience, 'retired' AS purpose, p.customer_id, 'exit' AS change
FROM previous p
WHERE NOT EXISTS (SELECT 1 FROM audience_definitions d WHERE d.audience = p.audience)
