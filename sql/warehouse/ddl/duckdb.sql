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
COMMENT ON TABLE gold.fact_orders IS 'One row per order (provider:order id), its latest state; revenue only when paid.';
COMMENT ON COLUMN gold.fact_orders.order_key IS 'provider:order id, the order''s unique key (a Stripe PaymentIntent, a Shopify order id).';
COMMENT ON COLUMN gold.fact_orders.order_id IS 'The order id exactly as the provider sent it.';
COMMENT ON COLUMN gold.fact_orders.provider IS 'Where the order came from (stripe, shopify, segment, a batch order file).';
COMMENT ON COLUMN gold.fact_orders.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.fact_orders.ordered_at IS 'When the order was placed (UTC).';
COMMENT ON COLUMN gold.fact_orders.order_date IS 'The order''s date (UTC): the sort key and the dashboards'' time filter.';
COMMENT ON COLUMN gold.fact_orders.source IS 'The c360 source that sent it (a write key''s source, a webhook provider, a batch file kind).';
COMMENT ON COLUMN gold.fact_orders.status IS 'The order''s latest state: paid, pending, authorized, failed, cancelled or voided.';
COMMENT ON COLUMN gold.fact_orders.is_revenue IS 'True when the latest state is paid: only these count as revenue.';
COMMENT ON COLUMN gold.fact_orders.currency IS 'ISO-4217 currency the order was paid in.';
COMMENT ON COLUMN gold.fact_orders.amount_minor IS 'The amount in the currency''s minor units (cents; yen have none), exact.';
COMMENT ON COLUMN gold.fact_orders.amount_usd IS 'The amount in USD at the rate of the order date.';
COMMENT ON COLUMN gold.fact_orders.item_count IS 'Number of line items.';
COMMENT ON COLUMN gold.fact_orders.gross_usd IS 'Revenue before refunds, USD (DECIMAL(18,2)), valued at the ECB rate in force on the order date.';
COMMENT ON COLUMN gold.fact_orders.refunded_usd IS 'Refunds counted once each by refund id (failed or cancelled ones excluded), USD.';
COMMENT ON COLUMN gold.fact_orders.net_usd IS 'Revenue after refunds (gross − refunds), USD.';
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
COMMENT ON TABLE gold.fact_sessions IS 'One row per web/mobile session (bots excluded).';
COMMENT ON COLUMN gold.fact_sessions.session_id IS 'Session id: a hash of the customer (or device) key and the session''s number; a session ends after 30 minutes without an event.';
COMMENT ON COLUMN gold.fact_sessions.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.fact_sessions.started_at IS 'First event of the session (UTC).';
COMMENT ON COLUMN gold.fact_sessions.ended_at IS 'Last event of the session (UTC).';
COMMENT ON COLUMN gold.fact_sessions.session_date IS 'The session''s start date (UTC).';
COMMENT ON COLUMN gold.fact_sessions.events IS 'Events in the session.';
COMMENT ON COLUMN gold.fact_sessions.source IS 'The c360 source that sent it (a write key''s source, a webhook provider, a batch file kind).';
COMMENT ON COLUMN gold.fact_sessions.device_type IS 'desktop, mobile, tablet, tv, console, wearable, bot or other (from the user agent).';
COMMENT ON COLUMN gold.fact_sessions.referrer_class IS 'Where the session came from: direct, internal, search, social, email, paid or referral.';
COMMENT ON COLUMN gold.fact_sessions.campaign_source IS 'utm_source of the first event, when tagged.';
COMMENT ON COLUMN gold.fact_sessions.country IS 'ISO-3166 alpha-2 country (geo-IP or the profile''s address, normalized), NULL when unknown.';
COMMENT ON COLUMN gold.fact_sessions.duration_s IS 'Seconds from the first to the last event.';
COMMENT ON COLUMN gold.fact_sessions.converted IS '1 when the customer placed a revenue order during the session.';
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
COMMENT ON TABLE gold.fact_support_tickets IS 'One row per support ticket, latest state, CSAT when rated.';
COMMENT ON COLUMN gold.fact_support_tickets.ticket_id IS 'The support tool''s ticket id, as sent.';
COMMENT ON COLUMN gold.fact_support_tickets.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.fact_support_tickets.created_at IS 'When the ticket was opened (UTC).';
COMMENT ON COLUMN gold.fact_support_tickets.solved_at IS 'When it was solved or closed (UTC), NULL while open.';
COMMENT ON COLUMN gold.fact_support_tickets.status IS 'open, pending, solved or closed.';
COMMENT ON COLUMN gold.fact_support_tickets.priority IS 'The ticket''s priority as the support tool sets it.';
COMMENT ON COLUMN gold.fact_support_tickets.csat_score IS 'Customer satisfaction: 1 good, 0 bad, NULL when not rated.';
COMMENT ON COLUMN gold.fact_support_tickets.updates IS 'Number of ticket events received.';
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
COMMENT ON TABLE gold.fact_ad_attribution IS 'One row per ad-network postback (install, event, conversion) with cost and revenue.';
COMMENT ON COLUMN gold.fact_ad_attribution.event_id IS 'The postback''s event key (namespaced by network).';
COMMENT ON COLUMN gold.fact_ad_attribution.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.fact_ad_attribution.attributed_at IS 'When the install or event was attributed (UTC).';
COMMENT ON COLUMN gold.fact_ad_attribution.attributed_date IS 'Its date (UTC).';
COMMENT ON COLUMN gold.fact_ad_attribution.network IS 'The ad network (appsflyer, adjust, …).';
COMMENT ON COLUMN gold.fact_ad_attribution.action IS 'install, reattribution, session, click, impression, uninstall, in_app_event or conversion.';
COMMENT ON COLUMN gold.fact_ad_attribution.media_source IS 'The media source the network credits.';
COMMENT ON COLUMN gold.fact_ad_attribution.campaign IS 'The campaign name the network reports.';
COMMENT ON COLUMN gold.fact_ad_attribution.cost_usd IS 'Cost reported by the network, USD.';
COMMENT ON COLUMN gold.fact_ad_attribution.revenue_usd IS 'Revenue reported by the network, USD.';
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
COMMENT ON TABLE gold.dim_customer IS 'The Customer 360 profile, type-2 history: a new version when the segment, lifecycle stage or country changes.';
COMMENT ON COLUMN gold.dim_customer.customer_key IS 'Surrogate key of this version of the profile (type-2).';
COMMENT ON COLUMN gold.dim_customer.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.dim_customer.valid_from IS 'When this version took effect (UTC).';
COMMENT ON COLUMN gold.dim_customer.valid_to IS 'When it was superseded (UTC), NULL for the current version.';
COMMENT ON COLUMN gold.dim_customer.is_current IS 'True for the current version of the profile.';
COMMENT ON COLUMN gold.dim_customer.segment IS 'Customer segment: champions, loyal, needs_attention, at_risk (k-means on recency, frequency, monetary) or prospect (no revenue order yet).';
COMMENT ON COLUMN gold.dim_customer.lifecycle_stage IS 'The CRM lifecycle stage (HubSpot lifecyclestage or the CRM file''s).';
COMMENT ON COLUMN gold.dim_customer.country IS 'ISO-3166 alpha-2 country (geo-IP or the profile''s address, normalized), NULL when unknown.';
COMMENT ON COLUMN gold.dim_customer.first_seen_at IS 'First event of any key of the customer (UTC).';
COMMENT ON COLUMN gold.dim_customer.last_seen_at IS 'Latest event (UTC).';
COMMENT ON COLUMN gold.dim_customer.identity_keys IS 'Number of identity keys stitched into the customer.';
COMMENT ON COLUMN gold.dim_customer.sources IS 'Number of distinct sources that know the customer.';
COMMENT ON COLUMN gold.dim_customer.orders IS 'Number of revenue orders.';
COMMENT ON COLUMN gold.dim_customer.gross_usd IS 'Revenue before refunds, USD (DECIMAL(18,2)), valued at the ECB rate in force on the order date.';
COMMENT ON COLUMN gold.dim_customer.refunds_usd IS 'Refunds over all orders, USD.';
COMMENT ON COLUMN gold.dim_customer.net_usd IS 'Revenue after refunds (gross − refunds), USD.';
COMMENT ON COLUMN gold.dim_customer.first_order_at IS 'First revenue order (UTC).';
COMMENT ON COLUMN gold.dim_customer.last_order_at IS 'Latest revenue order (UTC).';
COMMENT ON COLUMN gold.dim_customer.tickets IS 'Support tickets opened.';
COMMENT ON COLUMN gold.dim_customer.csat IS 'Share of rated tickets rated good (0–1).';
COMMENT ON COLUMN gold.dim_customer.avg_sentiment IS 'Mean sentiment (−1 to 1) of the customer''s social mentions and ticket text.';
COMMENT ON COLUMN gold.dim_customer.attributes IS 'Latest traits, pseudonymized as in the lake (SUPER / JSON).';
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
COMMENT ON TABLE gold.dim_date IS 'Calendar: one row per day the data covers.';
COMMENT ON COLUMN gold.dim_date.date_key IS 'The calendar day.';
COMMENT ON COLUMN gold.dim_date.year IS 'Calendar year.';
COMMENT ON COLUMN gold.dim_date.quarter IS 'Calendar quarter (1–4).';
COMMENT ON COLUMN gold.dim_date.month IS 'Month (1–12).';
COMMENT ON COLUMN gold.dim_date.day_of_week IS 'Day of week, 0 Sunday … 6 Saturday.';
COMMENT ON COLUMN gold.dim_date.is_weekend IS 'True on Saturday and Sunday.';
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
COMMENT ON TABLE gold.customer_scores IS 'Model scores per customer and scoring date (churn, segment, CLV) written back by the scoring step.';
COMMENT ON COLUMN gold.customer_scores.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.customer_scores.scored_at IS 'The scoring date (UTC): the last revenue order day of the data the models were fitted on.';
COMMENT ON COLUMN gold.customer_scores.churn_probability IS 'P(no revenue order in the next 90 days), XGBoost on gold.churn_features.';
COMMENT ON COLUMN gold.customer_scores.segment IS 'Customer segment: champions, loyal, needs_attention, at_risk (k-means on recency, frequency, monetary) or prospect (no revenue order yet).';
COMMENT ON COLUMN gold.customer_scores.clv_12m_usd IS 'Expected value of the next 12 months'' purchases (BG/NBD × Gamma-Gamma), USD.';
COMMENT ON COLUMN gold.customer_scores.p_alive IS 'P(the customer is still active), BG/NBD.';
COMMENT ON COLUMN gold.customer_scores.expected_purchases_90d IS 'Expected purchase days in the next 90 days, BG/NBD.';
COMMENT ON COLUMN gold.customer_scores.model_version IS 'The model version that produced the row (models/<version>/ and c360 models list).';
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
COMMENT ON TABLE gold.customer_recommendations IS 'Top-5 products per customer and scoring date from co-purchase behaviour (item-to-item), written back by the scoring step.';
COMMENT ON COLUMN gold.customer_recommendations.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.customer_recommendations.scored_at IS 'The scoring date (UTC): the last revenue order day of the data the models were fitted on.';
COMMENT ON COLUMN gold.customer_recommendations.rec_rank IS 'Rank 1–5 of the recommendation.';
COMMENT ON COLUMN gold.customer_recommendations.product_id IS 'The product recommended, id as in the order lines.';
COMMENT ON COLUMN gold.customer_recommendations.score IS 'Item-to-item co-purchase similarity summed over the customer''s products (popularity for a fill).';
COMMENT ON COLUMN gold.customer_recommendations.reason IS 'similar (co-purchased with what the customer bought) or popular (a fill when the history says too little).';
COMMENT ON COLUMN gold.customer_recommendations.model_version IS 'The model version that produced the row (models/<version>/ and c360 models list).';
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
COMMENT ON TABLE gold.quarantine_daily IS 'Quarantined events per day, reason and source (Pipeline Health); the originals stay sealed in the lake.';
COMMENT ON COLUMN gold.quarantine_daily.dt IS 'The day the events were quarantined (UTC).';
COMMENT ON COLUMN gold.quarantine_daily.reason IS 'The quarantine reason code (docs/data-contract.md).';
COMMENT ON COLUMN gold.quarantine_daily.source IS 'The c360 source that sent it (a write key''s source, a webhook provider, a batch file kind).';
COMMENT ON COLUMN gold.quarantine_daily.events IS 'Events quarantined for that reason and source that day.';
CREATE TABLE IF NOT EXISTS staging.quarantine_daily (
  dt DATE,
  reason VARCHAR,
  source VARCHAR,
  events BIGINT
);

-- gold.dq_row_flags: Rows that break a row-level data quality rule, with the rule and why (Pipeline Health); the rows themselves are published as sent.
CREATE TABLE IF NOT EXISTS gold.dq_row_flags (
  check_name VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  row_key VARCHAR NOT NULL,
  detail VARCHAR,
  dt DATE
);
COMMENT ON TABLE gold.dq_row_flags IS 'Rows that break a row-level data quality rule, with the rule and why (Pipeline Health); the rows themselves are published as sent.';
COMMENT ON COLUMN gold.dq_row_flags.check_name IS 'The row-level rule broken (refunds_within_amount, money_has_rate).';
COMMENT ON COLUMN gold.dq_row_flags.table_name IS 'Where the row is (gold.fact_orders, silver.events).';
COMMENT ON COLUMN gold.dq_row_flags.row_key IS 'The row''s key in that table (order_key, event_id).';
COMMENT ON COLUMN gold.dq_row_flags.detail IS 'What breaks the rule, and what to do about it.';
COMMENT ON COLUMN gold.dq_row_flags.dt IS 'The row''s date (UTC).';
CREATE TABLE IF NOT EXISTS staging.dq_row_flags (
  check_name VARCHAR,
  table_name VARCHAR,
  row_key VARCHAR,
  detail VARCHAR,
  dt DATE
);

-- gold.customer_consent: Each customer's current consent per purpose (marketing, advertising, personalization, analytics): their latest statement from any source. No row: no consent (opt-in).
CREATE TABLE IF NOT EXISTS gold.customer_consent (
  customer_id VARCHAR NOT NULL,
  purpose VARCHAR NOT NULL,
  granted BOOLEAN,
  stated_at TIMESTAMP,
  source VARCHAR,
  event_id VARCHAR
);
COMMENT ON TABLE gold.customer_consent IS 'Each customer''s current consent per purpose (marketing, advertising, personalization, analytics): their latest statement from any source. No row: no consent (opt-in).';
COMMENT ON COLUMN gold.customer_consent.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.customer_consent.purpose IS 'marketing, advertising, personalization or analytics (config/consent.json).';
COMMENT ON COLUMN gold.customer_consent.granted IS 'True when the latest statement grants the purpose, false when it refuses or withdraws it.';
COMMENT ON COLUMN gold.customer_consent.stated_at IS 'When that statement was made (UTC).';
COMMENT ON COLUMN gold.customer_consent.source IS 'The c360 source that sent it (a write key''s source, a webhook provider, a batch file kind).';
COMMENT ON COLUMN gold.customer_consent.event_id IS 'The event that carried the statement (silver.events.event_id).';
CREATE TABLE IF NOT EXISTS staging.customer_consent (
  customer_id VARCHAR,
  purpose VARCHAR,
  granted BOOLEAN,
  stated_at TIMESTAMP,
  source VARCHAR,
  event_id VARCHAR
);

-- gold.consent_history: Every change of a customer's consent to a purpose, in order: what it became, what it was, when, from which source and event.
CREATE TABLE IF NOT EXISTS gold.consent_history (
  customer_id VARCHAR NOT NULL,
  purpose VARCHAR NOT NULL,
  event_id VARCHAR NOT NULL,
  granted BOOLEAN,
  previously BOOLEAN,
  changed_at TIMESTAMP,
  source VARCHAR
);
COMMENT ON TABLE gold.consent_history IS 'Every change of a customer''s consent to a purpose, in order: what it became, what it was, when, from which source and event.';
COMMENT ON COLUMN gold.consent_history.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.consent_history.purpose IS 'marketing, advertising, personalization or analytics.';
COMMENT ON COLUMN gold.consent_history.event_id IS 'The event that carried the statement.';
COMMENT ON COLUMN gold.consent_history.granted IS 'The consent after the change.';
COMMENT ON COLUMN gold.consent_history.previously IS 'The consent before it; NULL for the first statement.';
COMMENT ON COLUMN gold.consent_history.changed_at IS 'When the statement was made (UTC).';
COMMENT ON COLUMN gold.consent_history.source IS 'The c360 source that sent it (a write key''s source, a webhook provider, a batch file kind).';
CREATE TABLE IF NOT EXISTS staging.consent_history (
  customer_id VARCHAR,
  purpose VARCHAR,
  event_id VARCHAR,
  granted BOOLEAN,
  previously BOOLEAN,
  changed_at TIMESTAMP,
  source VARCHAR
);

-- gold.audience_members: Who each audience holds after the last run (the lists marketing and ad tools receive): only customers whose consent covers the audience's purpose.
CREATE TABLE IF NOT EXISTS gold.audience_members (
  audience VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  purpose VARCHAR,
  consented_at TIMESTAMP,
  entered_on DATE,
  as_of DATE
);
COMMENT ON TABLE gold.audience_members IS 'Who each audience holds after the last run (the lists marketing and ad tools receive): only customers whose consent covers the audience''s purpose.';
COMMENT ON COLUMN gold.audience_members.audience IS 'The audience (src/domain/audiences.ts): best_customers (advertising), high_value_at_risk (marketing), new_this_week (marketing), win_back (marketing).';
COMMENT ON COLUMN gold.audience_members.customer_id IS 'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).';
COMMENT ON COLUMN gold.audience_members.purpose IS 'The consent purpose the audience needs.';
COMMENT ON COLUMN gold.audience_members.consented_at IS 'When the customer gave that consent (their latest statement).';
COMMENT ON COLUMN gold.audience_members.entered_on IS 'The run date the customer entered the audience (kept while they stay; NULL: before this was recorded).';
COMMENT ON COLUMN gold.audience_members.as_of IS 'The run date of this membership.';
CREATE TABLE IF NOT EXISTS staging.audience_members (
  audience VARCHAR,
  customer_id VARCHAR,
  purpose VARCHAR,
  consented_at TIMESTAMP,
  entered_on DATE,
  as_of DATE
);

-- gold.audience_daily: Each audience's size, entries and exits per run date (the Audiences dashboard): consented members only, as destinations receive them.
CREATE TABLE IF NOT EXISTS gold.audience_daily (
  as_of DATE NOT NULL,
  audience VARCHAR NOT NULL,
  purpose VARCHAR,
  size BIGINT,
  entered BIGINT,
  exited BIGINT
);
COMMENT ON TABLE gold.audience_daily IS 'Each audience''s size, entries and exits per run date (the Audiences dashboard): consented members only, as destinations receive them.';
COMMENT ON COLUMN gold.audience_daily.as_of IS 'The run date.';
COMMENT ON COLUMN gold.audience_daily.audience IS 'The audience (src/domain/audiences.ts): best_customers (advertising), high_value_at_risk (marketing), new_this_week (marketing), win_back (marketing).';
COMMENT ON COLUMN gold.audience_daily.purpose IS 'The consent purpose the audience needs.';
COMMENT ON COLUMN gold.audience_daily.size IS 'Members after the run.';
COMMENT ON COLUMN gold.audience_daily.entered IS 'Customers who entered in the run.';
COMMENT ON COLUMN gold.audience_daily.exited IS 'Customers who left in the run (the rule no longer holds, or consent withdrawn).';
CREATE TABLE IF NOT EXISTS staging.audience_daily (
  as_of DATE,
  audience VARCHAR,
  purpose VARCHAR,
  size BIGINT,
  entered BIGINT,
  exited BIGINT
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
  revenue_usd DECIMAL(18,2),
  repeated_orders BIGINT
);
COMMENT ON TABLE gold.realtime_minute IS 'Real-time tier: per 60-second tumbling window of arrival and stream shard, paid orders, revenue, active customers, events and late events (before deduplication).';
COMMENT ON COLUMN gold.realtime_minute.window_start IS 'Start of the 60-second tumbling window of arrival (UTC).';
COMMENT ON COLUMN gold.realtime_minute.shard_id IS 'The stream shard the window counts.';
COMMENT ON COLUMN gold.realtime_minute.events IS 'Events that arrived in the window (before deduplication).';
COMMENT ON COLUMN gold.realtime_minute.late_events IS 'Of those, events whose own time is outside the window.';
COMMENT ON COLUMN gold.realtime_minute.orders IS 'Paid orders that arrived.';
COMMENT ON COLUMN gold.realtime_minute.active_customers IS 'Distinct customers with an interactive event (capped).';
COMMENT ON COLUMN gold.realtime_minute.customers_capped IS 'True when the distinct count hit its cap (the count is a lower bound).';
COMMENT ON COLUMN gold.realtime_minute.revenue_minor IS 'Revenue of those orders in USD cents, exact.';
COMMENT ON COLUMN gold.realtime_minute.revenue_usd IS 'The same in USD.';
COMMENT ON COLUMN gold.realtime_minute.repeated_orders IS 'Orders that arrived again in the window (a sender retry, a record delivered twice) and were not counted again.';
CREATE TABLE IF NOT EXISTS staging.realtime_minute (
  window_start TIMESTAMP,
  shard_id VARCHAR,
  events BIGINT,
  late_events BIGINT,
  orders BIGINT,
  active_customers BIGINT,
  customers_capped BOOLEAN,
  revenue_minor JSON,
  revenue_usd DECIMAL(18,2),
  repeated_orders BIGINT
);

-- gold.model_health: Model health per scoring day: the drift (PSI) of each churn feature and of the churn score from what the live models were fitted on, and whether the run retrained.
CREATE TABLE IF NOT EXISTS gold.model_health (
  run_date DATE NOT NULL,
  check_name VARCHAR NOT NULL,
  psi DOUBLE,
  threshold DOUBLE,
  drifted BOOLEAN,
  retrained BOOLEAN,
  churn_version VARCHAR,
  customer_version VARCHAR
);
COMMENT ON TABLE gold.model_health IS 'Model health per scoring day: the drift (PSI) of each churn feature and of the churn score from what the live models were fitted on, and whether the run retrained.';
COMMENT ON COLUMN gold.model_health.run_date IS 'The scoring day (the daily pipeline run).';
COMMENT ON COLUMN gold.model_health.check_name IS 'feature:<name> (a churn feature) or score:churn_probability.';
COMMENT ON COLUMN gold.model_health.psi IS 'Population stability index against the fit-time distribution (decile bins): under 0.1 stable, over 0.25 a significant shift.';
COMMENT ON COLUMN gold.model_health.threshold IS 'The PSI over which the pipeline retrains and the ModelDriftAlarm fires.';
COMMENT ON COLUMN gold.model_health.drifted IS 'True when the PSI is over the threshold.';
COMMENT ON COLUMN gold.model_health.retrained IS 'True when the run started a retraining (drift, or no live model).';
COMMENT ON COLUMN gold.model_health.churn_version IS 'The live churn model version that scored the day.';
COMMENT ON COLUMN gold.model_health.customer_version IS 'The live customer models version (CLV, P(alive), segments).';
CREATE TABLE IF NOT EXISTS staging.model_health (
  run_date DATE,
  check_name VARCHAR,
  psi DOUBLE,
  threshold DOUBLE,
  drifted BOOLEAN,
  retrained BOOLEAN,
  churn_version VARCHAR,
  customer_version VARCHAR
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
COMMENT ON TABLE gold.load_audit IS 'One row per table load: when, which dates, rows loaded and rows in the table after.';
COMMENT ON COLUMN gold.load_audit.table_name IS 'The warehouse table loaded.';
COMMENT ON COLUMN gold.load_audit.loaded_at IS 'When the load committed (UTC).';
COMMENT ON COLUMN gold.load_audit.date_from IS 'First date of the load''s range.';
COMMENT ON COLUMN gold.load_audit.date_to IS 'Last date of the range.';
COMMENT ON COLUMN gold.load_audit.rows_loaded IS 'Rows the load merged.';
COMMENT ON COLUMN gold.load_audit.rows_in_table IS 'Rows in the table after the load.';
CREATE TABLE IF NOT EXISTS staging.load_audit (
  table_name VARCHAR,
  loaded_at TIMESTAMP,
  date_from DATE,
  date_to DATE,
  rows_loaded BIGINT,
  rows_in_table BIGINT
);
