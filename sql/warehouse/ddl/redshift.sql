-- Generated from src/domain/warehouse/model.ts by scripts/gen-reference.ts: do not edit.
CREATE SCHEMA IF NOT EXISTS gold;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS reporting;

-- gold.fact_orders: One row per order (provider:order id), its latest state; revenue only when paid.
CREATE TABLE IF NOT EXISTS gold.fact_orders (
  order_key VARCHAR(512) NOT NULL,
  order_id VARCHAR(512),
  provider VARCHAR(512),
  customer_id VARCHAR(512),
  ordered_at TIMESTAMP,
  order_date DATE,
  source VARCHAR(512),
  status VARCHAR(512),
  is_revenue BOOLEAN,
  currency VARCHAR(512),
  amount_minor BIGINT,
  amount_usd DECIMAL(18,2),
  item_count INTEGER,
  gross_usd DECIMAL(18,2),
  refunded_usd DECIMAL(18,2),
  net_usd DECIMAL(18,2),
  PRIMARY KEY (order_key)
)
DISTSTYLE KEY DISTKEY (customer_id)
COMPOUND SORTKEY (order_date, customer_id)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.fact_orders (
  order_key VARCHAR(512),
  order_id VARCHAR(512),
  provider VARCHAR(512),
  customer_id VARCHAR(512),
  ordered_at TIMESTAMP,
  order_date DATE,
  source VARCHAR(512),
  status VARCHAR(512),
  is_revenue BOOLEAN,
  currency VARCHAR(512),
  amount_minor BIGINT,
  amount_usd DECIMAL(18,2),
  item_count INTEGER,
  gross_usd DECIMAL(18,2),
  refunded_usd DECIMAL(18,2),
  net_usd DECIMAL(18,2)
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.fact_sessions: One row per web/mobile session (bots excluded).
CREATE TABLE IF NOT EXISTS gold.fact_sessions (
  session_id VARCHAR(512) NOT NULL,
  customer_id VARCHAR(512),
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  session_date DATE,
  events BIGINT,
  source VARCHAR(512),
  device_type VARCHAR(512),
  referrer_class VARCHAR(512),
  campaign_source VARCHAR(512),
  country VARCHAR(512),
  duration_s DOUBLE PRECISION,
  converted INTEGER,
  PRIMARY KEY (session_id)
)
DISTSTYLE KEY DISTKEY (customer_id)
COMPOUND SORTKEY (session_date)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.fact_sessions (
  session_id VARCHAR(512),
  customer_id VARCHAR(512),
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  session_date DATE,
  events BIGINT,
  source VARCHAR(512),
  device_type VARCHAR(512),
  referrer_class VARCHAR(512),
  campaign_source VARCHAR(512),
  country VARCHAR(512),
  duration_s DOUBLE PRECISION,
  converted INTEGER
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.fact_support_tickets: One row per support ticket, latest state, CSAT when rated.
CREATE TABLE IF NOT EXISTS gold.fact_support_tickets (
  ticket_id VARCHAR(512) NOT NULL,
  customer_id VARCHAR(512),
  created_at TIMESTAMP,
  solved_at TIMESTAMP,
  status VARCHAR(512),
  priority VARCHAR(512),
  csat_score DOUBLE PRECISION,
  updates BIGINT,
  PRIMARY KEY (ticket_id)
)
DISTSTYLE KEY DISTKEY (customer_id)
COMPOUND SORTKEY (created_at)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.fact_support_tickets (
  ticket_id VARCHAR(512),
  customer_id VARCHAR(512),
  created_at TIMESTAMP,
  solved_at TIMESTAMP,
  status VARCHAR(512),
  priority VARCHAR(512),
  csat_score DOUBLE PRECISION,
  updates BIGINT
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.fact_ad_attribution: One row per ad-network postback (install, event, conversion) with cost and revenue.
CREATE TABLE IF NOT EXISTS gold.fact_ad_attribution (
  event_id VARCHAR(512) NOT NULL,
  customer_id VARCHAR(512),
  attributed_at TIMESTAMP,
  attributed_date DATE,
  network VARCHAR(512),
  action VARCHAR(512),
  media_source VARCHAR(512),
  campaign VARCHAR(512),
  cost_usd DECIMAL(18,2),
  revenue_usd DECIMAL(18,2),
  PRIMARY KEY (event_id)
)
DISTSTYLE KEY DISTKEY (customer_id)
COMPOUND SORTKEY (attributed_date)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.fact_ad_attribution (
  event_id VARCHAR(512),
  customer_id VARCHAR(512),
  attributed_at TIMESTAMP,
  attributed_date DATE,
  network VARCHAR(512),
  action VARCHAR(512),
  media_source VARCHAR(512),
  campaign VARCHAR(512),
  cost_usd DECIMAL(18,2),
  revenue_usd DECIMAL(18,2)
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.dim_customer: The Customer 360 profile, type-2 history: a new version when the segment, lifecycle stage or country changes.
CREATE TABLE IF NOT EXISTS gold.dim_customer (
  customer_key VARCHAR(512) NOT NULL,
  customer_id VARCHAR(512) NOT NULL,
  valid_from TIMESTAMP NOT NULL,
  valid_to TIMESTAMP,
  is_current BOOLEAN NOT NULL,
  segment VARCHAR(512),
  lifecycle_stage VARCHAR(512),
  country VARCHAR(512),
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
  csat DOUBLE PRECISION,
  avg_sentiment DOUBLE PRECISION,
  attributes SUPER,
  PRIMARY KEY (customer_key)
)
DISTSTYLE KEY DISTKEY (customer_id)
COMPOUND SORTKEY (customer_id, valid_from)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.dim_customer (
  customer_key VARCHAR(512),
  customer_id VARCHAR(512),
  valid_from TIMESTAMP,
  valid_to TIMESTAMP,
  is_current BOOLEAN,
  segment VARCHAR(512),
  lifecycle_stage VARCHAR(512),
  country VARCHAR(512),
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
  csat DOUBLE PRECISION,
  avg_sentiment DOUBLE PRECISION,
  attributes SUPER
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.dim_date: Calendar: one row per day the data covers.
CREATE TABLE IF NOT EXISTS gold.dim_date (
  date_key DATE NOT NULL,
  year INTEGER,
  quarter INTEGER,
  month INTEGER,
  day_of_week INTEGER,
  is_weekend BOOLEAN,
  PRIMARY KEY (date_key)
)
DISTSTYLE ALL
COMPOUND SORTKEY (date_key)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.dim_date (
  date_key DATE,
  year INTEGER,
  quarter INTEGER,
  month INTEGER,
  day_of_week INTEGER,
  is_weekend BOOLEAN
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.customer_scores: Model scores per customer and scoring date (churn, segment, CLV) written back by the scoring step.
CREATE TABLE IF NOT EXISTS gold.customer_scores (
  customer_id VARCHAR(512) NOT NULL,
  scored_at DATE NOT NULL,
  churn_probability DOUBLE PRECISION,
  segment VARCHAR(512),
  clv_12m_usd DECIMAL(18,2),
  p_alive DOUBLE PRECISION,
  expected_purchases_90d DOUBLE PRECISION,
  model_version VARCHAR(512),
  PRIMARY KEY (customer_id, scored_at)
)
DISTSTYLE KEY DISTKEY (customer_id)
COMPOUND SORTKEY (scored_at)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.customer_scores (
  customer_id VARCHAR(512),
  scored_at DATE,
  churn_probability DOUBLE PRECISION,
  segment VARCHAR(512),
  clv_12m_usd DECIMAL(18,2),
  p_alive DOUBLE PRECISION,
  expected_purchases_90d DOUBLE PRECISION,
  model_version VARCHAR(512)
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.customer_recommendations: Top-5 products per customer and scoring date from co-purchase behaviour (item-to-item), written back by the scoring step.
CREATE TABLE IF NOT EXISTS gold.customer_recommendations (
  customer_id VARCHAR(512) NOT NULL,
  scored_at DATE NOT NULL,
  rec_rank INTEGER NOT NULL,
  product_id VARCHAR(512),
  score DOUBLE PRECISION,
  reason VARCHAR(512),
  model_version VARCHAR(512),
  PRIMARY KEY (customer_id, scored_at, rec_rank)
)
DISTSTYLE KEY DISTKEY (customer_id)
COMPOUND SORTKEY (scored_at)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.customer_recommendations (
  customer_id VARCHAR(512),
  scored_at DATE,
  rec_rank INTEGER,
  product_id VARCHAR(512),
  score DOUBLE PRECISION,
  reason VARCHAR(512),
  model_version VARCHAR(512)
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.quarantine_daily: Quarantined events per day, reason and source (Pipeline Health); the originals stay sealed in the lake.
CREATE TABLE IF NOT EXISTS gold.quarantine_daily (
  dt DATE NOT NULL,
  reason VARCHAR(512) NOT NULL,
  source VARCHAR(512) NOT NULL,
  events BIGINT,
  PRIMARY KEY (dt, reason, source)
)
DISTSTYLE ALL
COMPOUND SORTKEY (dt)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.quarantine_daily (
  dt DATE,
  reason VARCHAR(512),
  source VARCHAR(512),
  events BIGINT
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.realtime_minute: Real-time tier: per 60-second tumbling window of arrival and stream shard, paid orders, revenue, active customers, events and late events (before deduplication).
CREATE TABLE IF NOT EXISTS gold.realtime_minute (
  window_start TIMESTAMP NOT NULL,
  shard_id VARCHAR(512) NOT NULL,
  events BIGINT,
  late_events BIGINT,
  orders BIGINT,
  active_customers BIGINT,
  customers_capped BOOLEAN,
  revenue_minor SUPER,
  revenue_usd DECIMAL(18,2),
  PRIMARY KEY (window_start, shard_id)
)
DISTSTYLE AUTO
COMPOUND SORTKEY (window_start)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.realtime_minute (
  window_start TIMESTAMP,
  shard_id VARCHAR(512),
  events BIGINT,
  late_events BIGINT,
  orders BIGINT,
  active_customers BIGINT,
  customers_capped BOOLEAN,
  revenue_minor SUPER,
  revenue_usd DECIMAL(18,2)
)
DISTSTYLE AUTO ENCODE AUTO;

-- gold.load_audit: One row per table load: when, which dates, rows loaded and rows in the table after.
CREATE TABLE IF NOT EXISTS gold.load_audit (
  table_name VARCHAR(512) NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  date_from DATE,
  date_to DATE,
  rows_loaded BIGINT,
  rows_in_table BIGINT,
  PRIMARY KEY (table_name, loaded_at)
)
DISTSTYLE ALL
COMPOUND SORTKEY (loaded_at)
ENCODE AUTO;
CREATE TABLE IF NOT EXISTS staging.load_audit (
  table_name VARCHAR(512),
  loaded_at TIMESTAMP,
  date_from DATE,
  date_to DATE,
  rows_loaded BIGINT,
  rows_in_table BIGINT
)
DISTSTYLE AUTO ENCODE AUTO;
