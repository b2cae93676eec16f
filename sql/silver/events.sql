-- silver.events: one row per event id (earliest received wins), typed and standardized.
-- event_id is the namespaced key (segment:<messageId>, stripe:<evt id>, orders:<row hash> …):
-- event_namespace, ':', source_event_id; source_event_id is the id exactly as the provider sent it
-- (or, for a provider that sends none, the content hash c360 derived), event_namespace in its own column. Dedupe is global: an id already stored from an
-- arrival window outside the run's is a duplicate here too (silver_event_ids_prior).
-- Money: amounts stay in exact minor units; *_usd is DECIMAL(18,2) at the rate in force on the
-- event's date (ref_currency_rates is dated; a missing rate leaves NULL and fails dq_silver_money_has_rate).
-- Typed casts only read properties whose type the canonical schema guarantees for that event
-- type (free-form track properties such as "amount": "ten" must not break the run): the CASE
-- picks the value first, so the CAST only ever sees a guaranteed value or NULL.
-- A run processes the events that ARRIVED in [${from}, ${to}] (bronze is partitioned by arrival,
-- received_dt); silver is partitioned by event date (dt, UTC). The runner merges the run's rows
-- into the event-date partitions they touch, replacing only rows that arrived in the run's range.
-- Dedupe without sorting every row: ids seen more than once in the run are found by a narrow
-- GROUP BY; only their rows go through the ranking window (earliest received, then source,
-- kind), every other row is its id's only arrival.
WITH rate_ranges AS (
  SELECT currency, CAST(rate_date AS DATE) AS valid_from,
    lead(CAST(rate_date AS DATE)) OVER (PARTITION BY currency ORDER BY rate_date) AS valid_to,
    CAST(usd_per_unit AS DOUBLE) AS usd_per_unit
  FROM ref_currency_rates
),
-- Ids stored by runs outside this one's arrival window: those events are duplicates here too.
prior_ids AS (
  SELECT DISTINCT event_id FROM silver_event_ids_prior WHERE received_dt < '${from}' OR received_dt > '${to}'
),
repeated_ids AS (
  SELECT event_id FROM bronze_events WHERE received_dt BETWEEN '${from}' AND '${to}'
  GROUP BY event_id HAVING count(*) > 1
),
first_arrivals AS (
  SELECT r.* FROM bronze_events r LEFT JOIN repeated_ids d ON d.event_id = r.event_id
  WHERE r.received_dt BETWEEN '${from}' AND '${to}' AND d.event_id IS NULL
  UNION ALL
  SELECT x.event_id, x.source_event_id, x.event_type, x.event, x.source, x.kind, x.user_id, x.anonymous_id,
    x.received_at, x.ts, x.dt, x.received_dt, x.properties, x.traits, x.enrichment, x.flags, x.context
  FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r.event_id ORDER BY r.received_at, r.source, r.kind) AS rn
    FROM bronze_events r JOIN repeated_ids d ON d.event_id = r.event_id
    WHERE r.received_dt BETWEEN '${from}' AND '${to}'
  ) x
  WHERE x.rn = 1
),
typed AS (
  SELECT
    r.event_id,
    r.source_event_id,
    r.event_type,
    trim(r.event) AS event_name,
    lower(trim(r.source)) AS source,
    r.kind,
    r.user_id,
    r.anonymous_id,
    r.ts,
    r.received_at,
    r.dt,
    r.received_dt,
    lower(r.enrichment.ua.deviceType) AS device_type,
    r.enrichment.ua.browser AS browser,
    r.enrichment.ua.os AS os,
    upper(trim(r.enrichment.geo.country)) AS geo_country,
    upper(trim(r.traits.country)) AS traits_country,
    lower(r.enrichment.campaign.source) AS campaign_source,
    lower(r.enrichment.campaign.medium) AS campaign_medium,
    r.enrichment.campaign.name AS campaign_name,
    coalesce(r.enrichment.campaign.referrerClass, 'direct') AS referrer_class,
    CAST(r.flags.bot AS BOOLEAN) AS is_bot,
    CAST(r.flags.late AS BOOLEAN) AS is_late,
    coalesce(r.properties.orderId, r.properties.ticketId,
      r.properties.mentionId, r.properties.contactId, r.properties.messageId) AS entity_id,
    CAST(CASE WHEN r.event_type IN ('order_completed', 'order_refunded') THEN r.properties.amount END AS BIGINT) AS amount_minor,
    CASE WHEN r.event_type IN ('order_completed', 'order_refunded')
      THEN upper(trim(r.properties.currency)) END AS currency,
    CAST(CASE WHEN r.event_type = 'order_completed' THEN r.properties.itemCount END AS INT) AS item_count,
    lower(trim(r.properties.status)) AS status,
    lower(trim(r.properties.provider)) AS provider,
    r.properties.refundId AS refund_id,
    CAST(CASE WHEN r.event_type IN ('order_completed', 'order_refunded') THEN r.properties.stateAt END AS TIMESTAMP) AS state_at,
    lower(trim(r.properties.action)) AS action,
    lower(trim(r.properties.satisfaction)) AS satisfaction,
    CAST(CASE WHEN r.event_type = 'support_ticket' THEN r.properties.satisfactionScore END AS DOUBLE) AS satisfaction_score,
    lower(trim(r.properties.sentiment)) AS sentiment,
    CAST(CASE WHEN r.event_type = 'social_mention' THEN r.properties.sentimentScore END AS DOUBLE) AS sentiment_score,
    lower(trim(r.properties.platform)) AS platform,
    lower(trim(r.properties.network)) AS network,
    lower(trim(r.properties.mediaSource)) AS media_source,
    r.properties.campaign AS ad_campaign,
    CAST(CASE WHEN r.event_type = 'ad_attribution' THEN r.properties.costAmount END AS BIGINT) AS cost_minor,
    upper(trim(r.properties.costCurrency)) AS cost_currency,
    CAST(CASE WHEN r.event_type = 'ad_attribution' THEN r.properties.revenueAmount END AS BIGINT) AS revenue_minor,
    upper(trim(r.properties.revenueCurrency)) AS revenue_currency,
    lower(trim(r.properties.priority)) AS priority,
    r.properties.lifecycleStage AS lifecycle_stage
  FROM first_arrivals r
  LEFT JOIN prior_ids p ON p.event_id = r.event_id
  WHERE p.event_id IS NULL
)
SELECT
  t.event_id,
  t.source_event_id,
  substr(t.event_id, 1, instr(t.event_id, ':') - 1) AS event_namespace,
  t.event_type,
  t.event_name,
  t.source,
  t.kind,
  t.user_id,
  t.anonymous_id,
  t.ts,
  t.received_at,
  t.dt,
  t.received_dt,
  t.device_type,
  t.browser,
  t.os,
  coalesce(CASE WHEN length(t.geo_country) = 2 THEN t.geo_country END, tc.iso2) AS country,
  t.campaign_source,
  t.campaign_medium,
  t.campaign_name,
  t.referrer_class,
  t.is_bot,
  t.is_late,
  t.entity_id,
  t.amount_minor,
  t.currency,
  t.item_count,
  t.status,
  t.provider,
  t.refund_id,
  t.state_at,
  t.action,
  t.satisfaction,
  t.satisfaction_score,
  t.sentiment,
  t.sentiment_score,
  t.platform,
  t.network,
  t.media_source,
  t.ad_campaign,
  t.cost_minor,
  t.cost_currency,
  t.revenue_minor,
  t.revenue_currency,
  t.priority,
  t.lifecycle_stage,
  CAST(round(CAST(t.amount_minor AS DOUBLE) / c.minor_per_unit * r.usd_per_unit, 2) AS DECIMAL(18,2)) AS amount_usd,
  CAST(round(CAST(t.cost_minor AS DOUBLE) / cc.minor_per_unit * rc1.usd_per_unit, 2) AS DECIMAL(18,2)) AS cost_usd,
  CAST(round(CAST(t.revenue_minor AS DOUBLE) / rv.minor_per_unit * rc2.usd_per_unit, 2) AS DECIMAL(18,2)) AS revenue_usd
FROM typed t
-- ISO-3166 alpha-2: the geo lookup's code, else the customer's own country (code, alpha-3 or name).
LEFT JOIN (SELECT DISTINCT iso2, name AS k FROM ref_countries UNION SELECT DISTINCT iso2, iso2 FROM ref_countries
  UNION SELECT DISTINCT iso2, iso3 FROM ref_countries) tc ON tc.k = t.traits_country
LEFT JOIN ref_currencies c ON c.currency = t.currency
LEFT JOIN rate_ranges r ON r.currency = t.currency AND CAST(t.dt AS DATE) >= r.valid_from AND (r.valid_to IS NULL OR CAST(t.dt AS DATE) < r.valid_to)
LEFT JOIN ref_currencies cc ON cc.currency = t.cost_currency
LEFT JOIN rate_ranges rc1 ON rc1.currency = t.cost_currency AND CAST(t.dt AS DATE) >= rc1.valid_from AND (rc1.valid_to IS NULL OR CAST(t.dt AS DATE) < rc1.valid_to)
LEFT JOIN ref_currencies rv ON rv.currency = t.revenue_currency
LEFT JOIN rate_ranges rc2 ON rc2.currency = t.revenue_currency AND CAST(t.dt AS DATE) >= rc2.valid_from AND (rc2.valid_to IS NULL OR CAST(t.dt AS DATE) < rc2.valid_to)
