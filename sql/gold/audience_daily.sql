-- gold.audience_daily: each audience's size, entries and exits per run date (history kept, this date replaced).
-- Rendered from src/domain/audiences.ts by scripts/gen-reference.ts (npm run gen): do not edit.
WITH sizes AS (
  SELECT audience, count(*) AS size FROM audience_members GROUP BY audience
),
moves AS (
  SELECT audience, sum(CASE WHEN change = 'enter' THEN 1 ELSE 0 END) AS entered,
    sum(CASE WHEN change = 'exit' THEN 1 ELSE 0 END) AS exited
  FROM audience_changes GROUP BY audience
),
today AS (
  SELECT CAST('${to}' AS DATE) AS as_of, d.audience, d.purpose, coalesce(s.size, 0) AS size,
    coalesce(m.entered, 0) AS entered, coalesce(m.exited, 0) AS exited
  FROM audience_definitions d
  LEFT JOIN sizes s ON s.audience = d.audience
  LEFT JOIN moves m ON m.audience = d.audience
)
SELECT as_of, audience, purpose, CAST(size AS BIGINT) AS size, CAST(entered AS BIGINT) AS entered,
  CAST(exited AS BIGINT) AS exited
FROM audience_daily_previous WHERE as_of <> CAST('${to}' AS DATE)
UNION ALL
SELECT as_of, audience, purpose, CAST(size AS BIGINT) AS size, CAST(entered AS BIGINT) AS entered,
  CAST(exited AS BIGINT) AS exited
FROM today
