-- gold.churn_training: the churn model's training set, one row per customer who had bought by the
-- cutoff (the last revenue order day minus 90 days): label 1 when they bought nothing in the 90
-- days after it (churned), 0 otherwise; the features as of the cutoff, defined as in
-- gold.churn_features. The SageMaker training job and the embedded trainer (src/models/train.ts)
-- both train on it; a test checks it against the CLV summary computed in TypeScript. `split` puts
-- every fourth customer (by id) in the validation channel, where the holdout AUC is measured.
WITH revenue AS (
  SELECT customer_id, dt, gross_usd FROM fact_orders WHERE is_revenue AND customer_id IS NOT NULL
),
bounds AS (
  SELECT max(dt) AS as_of, CAST(date_add(CAST(max(dt) AS DATE), -90) AS STRING) AS cutoff FROM revenue
),
daily AS (
  SELECT r.customer_id, r.dt, sum(r.gross_usd) AS spend,
    row_number() OVER (PARTITION BY r.customer_id ORDER BY r.dt) AS n
  FROM revenue r CROSS JOIN bounds b
  WHERE r.dt <= b.cutoff
  GROUP BY r.customer_id, r.dt
),
buyers AS (
  SELECT customer_id, count(*) - 1 AS frequency, min(dt) AS first_dt, max(dt) AS last_dt,
    coalesce(avg(CASE WHEN n > 1 THEN CAST(spend AS DOUBLE) END), 0) AS monetary
  FROM daily GROUP BY customer_id
),
later AS (
  SELECT DISTINCT r.customer_id FROM revenue r CROSS JOIN bounds b WHERE r.dt > b.cutoff AND r.dt <= b.as_of
),
rows AS (
  SELECT
    CASE WHEN l.customer_id IS NULL THEN 1 ELSE 0 END AS label,
    x.customer_id,
    x.frequency,
    (unix_timestamp(CAST(x.last_dt AS TIMESTAMP)) - unix_timestamp(CAST(x.first_dt AS TIMESTAMP))) / 604800.0 AS recency_weeks,
    (unix_timestamp(CAST(b.cutoff AS TIMESTAMP)) - unix_timestamp(CAST(x.first_dt AS TIMESTAMP))) / 604800.0 AS tenure_weeks,
    x.monetary
  FROM buyers x
  CROSS JOIN bounds b
  LEFT JOIN later l ON l.customer_id = x.customer_id
)
SELECT
  label, customer_id, frequency, recency_weeks, tenure_weeks, monetary,
  tenure_weeks - recency_weeks AS weeks_since_last,
  CASE WHEN row_number() OVER (ORDER BY customer_id) % 4 = 0 THEN 'validation' ELSE 'train' END AS split
FROM rows
