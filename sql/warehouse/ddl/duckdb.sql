-- Generated from src/domain/warehouse/model.ts by scripts/gen-reference.ts: do not edit.
CREATE SCHEMA IF NOT EXISTS gold;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS reporting;

-- gold.fact_orders: One row per order (provider:order id), its latest state; revenue only when paid.
CREATE TABLE IF NOT EXISTS gold.fact_orders (
  order_key VARCHAR NOT NULL,
  order_id VARCHAR,
  provider VARCHAR,
  customer_id VARCHAR,
  ordered_at TIMESTAMP,
  order_date DATE,
  source VARCHAR,
  status VARCHAR,
  is_revenue BOOLEAN,
  currency VARCHAR,
  amount_minor BIGINT,
  amount_usd DECIMAL(18,2),
  item_count INTEGER,
  gross_usd DECIMAL(18,2),
  refunded_usd DECIMAL(18,2),
  net_usd DECIMAL(18,2)
);
CREATE TABLE IF NOT EXISTS staging.fact_orders (
  order_key VARCHAR,
  order_id VARCHAR,
  provider VARCHAR,
  customer_id VARCHAR,
  ordered_at TIMESTAMP,
  order_date DATE,
  source VARCHAR,
  status VARCHAR,
  is_revenue BOOLEAN,
  currency VARCHAR,
  amount_minor BIGINT,
  amount_usd DECIMAL(18,2),
  item_count INTEGER,
  gross_usd DECIMAL(18,2),
  refunded_usd DECIMAL(18,2),
  net_usd DECIMAL(18,2)
);

-- gold.fact_sessions: One row per web/mobile session (bots excluded).
CREATE TABLE IF NOT EXISTS gold.fact_sessions (
  session_id VARCHAR NOT NULL,
  customer_id VARCHAR,
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  session_date DATE,
  events BIGINT,
  source VARCHAR,
  device_type VARCHAR,
  referrer_class VARCHAR,
  campaign_source VARCHAR,
  country VARCHAR,
  duration_s DOUBLE,
  converted INTEGER
);
CREATE TABLE IF NOT EXISTS staging.fact_sessions (
  session_id VARCHAR,
  customer_id VARCHAR,
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  session_date DATE,
  events BIGINT,
  source VARCHAR,
  device_type VARCHAR,
  referrer_class VARCHAR,
  campaign_source VARCHAR,
  country VARCHAR,
  duration_s DOUBLE,
  converted INTEGER
);

-- gold.fact_support_tickets: One row per support ticket, latest state, CSAT when rated.
CREATE TABLE IF NOT EXISTS gold.fact_support_tickets (
  ticket_id VARCHAR NOT NULL,
  customer_id VARCHAR,
  created_at TIMESTAMP,
  solved_at TIMESTAMP,
  status VARCHAR,
  priority VARCHAR,
  csat_score DOUBLE,
  updates BIGINT
);
CREATE TABLE IF NOT EXISTS staging.fact_support_tickets (
  ticket_id VARCHAR,
  customer_id VARCHAR,
  created_at TIMESTAMP,
  solved_at TIMESTAMP,
  status VARCHAR,
  priority VARCHAR,
  csat_score DOUBLE,
  updates BIGINT
);

-- gold.fact_ad_attribution: One row per ad-network postback (install, event, conversion) with cost and revenue.
CREATE TABLE IF NOT EXISTS gold.fact_ad_attribution (
  event_id VARCHAR NOT NULL,
  customer_id VARCHAR,
  attributed_at TIMESTAMP,
  attributed_date DATE,
  network VARCHAR,
  action VARCHAR,
  media_source VARCHAR,
  campaign VARCHAR,
  cost_usd DECIMAL(18,2),
  revenue_usd DECIMAL(18,2)
);
CREATE TABLE IF NOT EXISTS staging.fact_ad_attribution (
  event_id VARCHAR,
  customer_id VARCHAR,
  attributed_at TIMESTAMP,
  attributed_date DATE,
  network VARCHAR,
  action VARCHAR,
  media_source VARCHAR,
  campaign VARCHAR,
  cost_usd DECIMAL(18,2),
  revenue_usd DECIMAL(18,2)
);

-- gold.dim_customer: The Customer 360 profile, type-2 history: a new version when the segment, lifecycle stage or country changes.
CREATE TABLE IF NOT EXISTS gold.dim_customer (
  customer_key VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  valid_from TIMESTAMP NOT NULL,
  valid_to TIMESTAMP,
  is_current BOOLEAN NOT NULL,
  segment VARCHAR,
  lifecycle_stage VARCHAR,
  country VARCHAR,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  identity_keys BIGINT,
  sources BIGINT,
  orders BIGINT,
  gross_usd DECIMAL(18,2),
  refunds_usd DECIMAL(18,2),
  net_usd DECIMAL(18,2),
  first_order_at TIMESTAMP,
  last_order_at TIMESTAMP,
  tickets BIGINT,
  csat DOUBLE,
  avg_sentiment DOUBLE,
  attributes JSON
);
CREATE TABLE IF NOT EXISTS staging.dim_customer (
  customer_key VARCHAR,
  customer_id VARCHAR,
  valid_from TIMESTAMP,
  valid_to TIMESTAMP,
  is_current BOOLEAN,
  segment VARCHAR,
  lifecycle_stage VARCHAR,
  country VARCHAR,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  identity_keys BIGINT,
  sources BIGINT,
  orders BIGINT,
  gross_usd DECIMAL(18,2),
  refunds_usd DECIMAL(18,2),
  net_usd DECIMAL(18,2),
  first_order_at TIMESTAMP,
  last_order_at TIMESTAMP,
  tickets BIGINT,
  csat DOUBLE,
  avg_sentiment DOUBLE,
  attributes JSON
);

-- gold.dim_date: Calendar: one row per day the data covers.
CREATE TABLE IF NOT EXISTS gold.dim_date (
  date_key DATE NOT NULL,
  year INTEGER,
  quarter INTEGER,
  month INTEGER,
  day_of_week INTEGER,
  is_weekend BOOLEAN
);
CREATE TABLE IF NOT EXISTS staging.dim_date (
  date_key DATE,
  year INTEGER,
  quarter INTEGER,
  month INTEGER,
  day_of_week INTEGER,
  is_weekend BOOLEAN
);

-- gold.customer_scores: Model scores per customer and scoring date (churn, segment, CLV) written back by the scoring step.
CREATE TABLE IF NOT EXISTS gold.customer_scores (
  customer_id VARCHAR NOT NULL,
  scored_at DATE NOT NULL,
  churn_probability DOUBLE,
  segment VARCHAR,
  clv_12m_usd DECIMAL(18,2),
  p_alive DOUBLE,
  expected_purchases_90d DOUBLE,
  model_version VARCHAR
);
CREATE TABLE IF NOT EXISTS staging.customer_scores (
  customer_id VARCHAR,
  scored_at DATE,
  churn_probability DOUBLE,
  segment VARCHAR,
  clv_12m_usd DECIMAL(18,2),
  p_alive DOUBLE,
  expected_purchases_90d DOUBLE,
  model_version VARCHAR
);

-- gold.customer_recommendations: Top-5 products per customer and scoring date from co-purchase behaviour (item-to-item), written back by the scoring step.
CREATE TABLE IF NOT EXISTS gold.customer_recommendations (
  customer_id VARCHAR NOT NULL,
  scored_at DATE NOT NULL,
  rec_rank INTEGER NOT NULL,
  product_id VARCHAR,
  score DOUBLE,
  reason VARCHAR,
  model_version VARCHAR
);
CREATE TABLE IF NOT EXISTS staging.customer_recommendations (
  customer_id VARCHAR,
  scored_at DATE,
  rec_rank INTEGER,
  product_id VARCHAR,
  score DOUBLE,
  reason VARCHAR,
  model_version VARCHAR
);

-- gold.quarantine_daily: Quarantined events per day, reason and source (Pipeline Health); the originals stay sealed in the lake.
CREATE TABLE IF NOT EXISTS gold.quarantine_daily (
  dt DATE NOT NULL,
  reason VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  events BIGINT
);
CREATE TABLE IF NOT EXISTS staging.quarantine_daily (
  dt DATE,
  reason VARCHAR,
  source VARCHAR,
  events BIGINT
);

-- gold.realtime_minute: Real-time tier: per 60-second tumbling window of arrival and stream shard, paid orders, revenue, active customers, events and late events (before deduplication).
CREATE TABLE IF NOT EXISTS gold.realtime_minute (
  window_start TIMESTAMP NOT NULL,
  shard_id VARCHAR NOT NULL,
  events BIGINT,
  late_events BIGINT,
  orders BIGINT,
  active_customers BIGINT,
  customers_capped BOOLEAN,
  revenue_minor JSON,
  revenue_usd DECIMAL(18,2)
);
CREATE TABLE IF NOT EXISTS staging.realtime_minute (
  window_start TIMESTAMP,
  shard_id VARCHAR,
  events BIGINT,
  late_events BIGINT,
  orders BIGINT,
  active_customers BIGINT,
  customers_capped BOOLEAN,
  revenue_minor JSON,
  revenue_usd DECIMAL(18,2)
);

-- gold.load_audit: One row per table load: when, which dates, rows loaded and rows in the table after.
CREATE TABLE IF NOT EXISTS gold.load_audit (
  table_name VARCHAR NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  date_from DATE,
  date_to DATE,
  rows_loaded BIGINT,
  rows_in_table BIGINT
);
CREATE TABLE IF NOT EXISTS staging.load_audit (
  table_name VARCHAR,
  loaded_at TIMESTAMP,
  date_from DATE,
  date_to DATE,
  rows_loaded BIGINT,
  rows_in_table BIGINT
);
