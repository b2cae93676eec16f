-- gold.customer_recommendations: the top 5 products for every customer, item-to-item
-- collaborative filtering on the binary customer × product matrix of revenue order lines (Linden,
-- Smith & York 2003), computed by the ETL engine (DuckDB embedded, Spark on Glue in AWS). Two
-- products are similar by cosine co(i, j) / √(n_i · n_j) over their distinct buyers, each keeping
-- its 50 nearest; a customer's score for a product they have not bought is the sum of its
-- similarities to what they bought (rounded to 10 decimals, so both engines order ties alike,
-- then by product id). Customers with fewer than 5 such products are filled with the most bought
-- products they do not have (reason popular, score 0), as is every customer without lines.
-- src/domain/models/recommend.ts is the same algorithm; a test checks the two agree customer by
-- customer. scored_at is the last revenue order day.
WITH history AS (
  SELECT DISTINCT customer_id, product_id FROM fact_order_items
  WHERE is_revenue AND customer_id IS NOT NULL AND product_id IS NOT NULL
),
as_of AS (SELECT max(dt) AS d FROM fact_orders WHERE is_revenue AND customer_id IS NOT NULL),
buyers AS (SELECT product_id, count(*) AS n FROM history GROUP BY product_id),
co AS (
  SELECT a.product_id AS i, b.product_id AS j, count(*) AS c
  FROM history a JOIN history b ON b.customer_id = a.customer_id AND b.product_id <> a.product_id
  GROUP BY a.product_id, b.product_id
),
similarity AS (
  SELECT co.i, co.j, co.c / sqrt(CAST(bi.n AS DOUBLE) * CAST(bj.n AS DOUBLE)) AS s
  FROM co JOIN buyers bi ON bi.product_id = co.i JOIN buyers bj ON bj.product_id = co.j
),
neighbours AS (
  SELECT i, j, s FROM (
    SELECT i, j, s, row_number() OVER (PARTITION BY i ORDER BY s DESC, j) AS r FROM similarity
  ) x
  WHERE r <= 50
),
scored AS (
  SELECT h.customer_id, n.j AS product_id, round(sum(n.s), 10) AS score
  FROM history h
  JOIN neighbours n ON n.i = h.product_id
  LEFT JOIN history o ON o.customer_id = h.customer_id AND o.product_id = n.j
  WHERE o.product_id IS NULL
  GROUP BY h.customer_id, n.j
),
similar_top AS (
  SELECT customer_id, product_id, score, r FROM (
    SELECT customer_id, product_id, score,
      row_number() OVER (PARTITION BY customer_id ORDER BY score DESC, product_id) AS r
    FROM scored
  ) x
  WHERE r <= 5
),
popular AS (SELECT product_id, row_number() OVER (ORDER BY n DESC, product_id) AS pop_rank FROM buyers),
owned AS (SELECT customer_id, count(*) AS k FROM history GROUP BY customer_id),
taken AS (SELECT customer_id, count(*) AS k FROM similar_top GROUP BY customer_id),
-- The popular fill: a customer needs at most 5 products past the ones they own or were given.
fill AS (
  SELECT customer_id, product_id, coalesce(t_k, 0) + row_number() OVER (PARTITION BY customer_id ORDER BY pop_rank) AS r
  FROM (
    SELECT c.customer_id, p.product_id, p.pop_rank, t.k AS t_k
    FROM dim_customer c
    LEFT JOIN owned ow ON ow.customer_id = c.customer_id
    LEFT JOIN taken t ON t.customer_id = c.customer_id
    JOIN popular p ON p.pop_rank <= 10 + coalesce(ow.k, 0)
    LEFT JOIN history o ON o.customer_id = c.customer_id AND o.product_id = p.product_id
    LEFT JOIN similar_top s ON s.customer_id = c.customer_id AND s.product_id = p.product_id
    WHERE o.product_id IS NULL AND s.product_id IS NULL
  ) x
)
SELECT customer_id, CAST(a.d AS DATE) AS scored_at, CAST(r AS INT) AS rec_rank, product_id,
  CAST(score AS DOUBLE) AS score, 'similar' AS reason, 'etl-item-to-item' AS model_version
FROM similar_top CROSS JOIN as_of a
UNION ALL
SELECT customer_id, CAST(a.d AS DATE) AS scored_at, CAST(r AS INT) AS rec_rank, product_id,
  CAST(0 AS DOUBLE) AS score, 'popular' AS reason, 'etl-item-to-item' AS model_version
FROM fill CROSS JOIN as_of a
WHERE r <= 5
