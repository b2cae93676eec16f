-- gold.churn_features: the churn model's scoring features, one row per customer, as of the last
-- revenue order day in the data (the scoring Map reads this table: Athena in AWS, DuckDB
-- embedded). The definitions are the CLV summary's (src/domain/models/clv.ts summarize; a test
-- checks the two agree): purchases on one day count once; frequency = repeat purchase days;
-- Days are UTC dates cast to timestamps (Spark's unix_timestamp does not parse a bare date string).
-- recency_weeks = first to last purchase day; tenure_weeks = first purchase day to the as-of day;
-- monetary = mean daily spend over the repeat days (USD); weeks_since_last = tenure − recency.
-- A prospect (no revenue order) enters as at first contact: no repeat days, tenure = weeks from
-- the day it was first seen (0 if that is after the as-of day).
-- is_buyer (has a revenue order) and as_of (the scoring date, YYYY-MM-DD) are the customer models'
-- inputs besides the features (src/domain/models/customer-models.ts: prospects are not in the fits).
WITH revenue AS (
  SELECT customer_id, dt, gross_usd FROM fact_orders WHERE is_revenue AND customer_id IS NOT NULL
),
as_of AS (SELECT max(dt) AS d FROM revenue),
daily AS (
  SELECT customer_id, dt, sum(gross_usd) AS spend,
    row_number() OVER (PARTITION BY customer_id ORDER BY dt) AS n
  FROM revenue GROUP BY customer_id, dt
),
buyers AS (
  SELECT customer_id, count(*) - 1 AS frequency, min(dt) AS first_dt, max(dt) AS last_dt,
    coalesce(avg(CASE WHEN n > 1 THEN CAST(spend AS DOUBLE) END), 0) AS monetary
  FROM daily GROUP BY customer_id
),
weeks AS (
  SELECT
    d.customer_id,
    coalesce(b.frequency, 0) AS frequency,
    coalesce((unix_timestamp(CAST(b.last_dt AS TIMESTAMP)) - unix_timestamp(CAST(b.first_dt AS TIMESTAMP))) / 604800.0, 0) AS recency_weeks,
    CASE
      WHEN b.customer_id IS NOT NULL THEN (unix_timestamp(CAST(a.d AS TIMESTAMP)) - unix_timestamp(CAST(b.first_dt AS TIMESTAMP))) / 604800.0
      ELSE greatest((unix_timestamp(CAST(a.d AS TIMESTAMP)) - unix_timestamp(CAST(CAST(d.first_seen_at AS DATE) AS TIMESTAMP))) / 604800.0, 0)
    END AS tenure_weeks,
    coalesce(b.monetary, 0) AS monetary,
    b.customer_id IS NOT NULL AS is_buyer,
    a.d AS as_of
  FROM dim_customer d
  CROSS JOIN as_of a
  LEFT JOIN buyers b ON b.customer_id = d.customer_id
)
SELECT customer_id, frequency, recency_weeks, tenure_weeks, monetary, tenure_weeks - recency_weeks AS weeks_since_last,
  is_buyer, CAST(as_of AS STRING) AS as_of
FROM weeks
