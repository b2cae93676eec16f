-- silver.events: one row per event id (earliest received wins), typed and standardized.
-- Typed casts only read properties whose type the canonical schema guarantees for that event
-- type (free-form track properties such as "amount": "ten" must not break the run).
-- Partitioned by dt (event date, UTC); a run rewrites the partitions in [${from}, ${to}].
-- Fields are extracted before the dedupe window so it sorts narrow typed rows, not JSON text.
WITH typed AS (
  SELECT
    row_number() OVER (PARTITION BY r.event_id ORDER BY r.received_at, r.source, r.kind) AS rn,
    r.event_id,
    r.event_type,
    trim(r.event) AS event_name,
    lower(trim(r.source)) AS source,
    r.kind,
    r.user_id,
    r.anonymous_id,
    r.ts,
    r.received_at,
    r.dt,
    lower(get_json_object(r.enrichment, '$.ua.deviceType')) AS device_type,
    get_json_object(r.enrichment, '$.ua.browser') AS browser,
    get_json_object(r.enrichment, '$.ua.os') AS os,
    upper(trim(get_json_object(r.enrichment, '$.geo.country'))) AS geo_country,
    upper(trim(get_json_object(r.traits, '$.country'))) AS traits_country,
    lower(get_json_object(r.enrichment, '$.campaign.source')) AS campaign_source,
    lower(get_json_object(r.enrichment, '$.campaign.medium')) AS campaign_medium,
    get_json_object(r.enrichment, '$.campaign.name') AS campaign_name,
    coalesce(get_json_object(r.enrichment, '$.campaign.referrerClass'), 'direct') AS referrer_class,
    CAST(get_json_object(r.flags, '$.bot') AS BOOLEAN) AS is_bot,
    CAST(get_json_object(r.flags, '$.late') AS BOOLEAN) AS is_late,
    coalesce(get_json_object(r.properties, '$.orderId'), get_json_object(r.properties, '$.ticketId'),
      get_json_object(r.properties, '$.mentionId'), get_json_object(r.properties, '$.contactId')) AS entity_id,
    CASE WHEN r.event_type IN ('order_completed', 'order_refunded')
      THEN CAST(get_json_object(r.properties, '$.amount') AS BIGINT) END AS amount_minor,
    CASE WHEN r.event_type IN ('order_completed', 'order_refunded')
      THEN upper(trim(get_json_object(r.properties, '$.currency'))) END AS currency,
    CASE WHEN r.event_type = 'order_completed' THEN CAST(get_json_object(r.properties, '$.itemCount') AS INT) END AS item_count,
    lower(trim(get_json_object(r.properties, '$.status'))) AS status,
    lower(trim(get_json_object(r.properties, '$.action'))) AS action,
    lower(trim(get_json_object(r.properties, '$.satisfaction'))) AS satisfaction,
    CASE WHEN r.event_type = 'support_ticket'
      THEN CAST(get_json_object(r.properties, '$.satisfactionScore') AS DOUBLE) END AS satisfaction_score,
    lower(trim(get_json_object(r.properties, '$.sentiment'))) AS sentiment,
    CASE WHEN r.event_type = 'social_mention'
      THEN CAST(get_json_object(r.properties, '$.sentimentScore') AS DOUBLE) END AS sentiment_score,
    lower(trim(get_json_object(r.properties, '$.platform'))) AS platform,
    lower(trim(get_json_object(r.properties, '$.network'))) AS network,
    lower(trim(get_json_object(r.properties, '$.mediaSource'))) AS media_source,
    get_json_object(r.properties, '$.campaign') AS ad_campaign,
    CASE WHEN r.event_type = 'ad_attribution' THEN CAST(get_json_object(r.properties, '$.costAmount') AS BIGINT) END AS cost_minor,
    upper(trim(get_json_object(r.properties, '$.costCurrency'))) AS cost_currency,
    CASE WHEN r.event_type = 'ad_attribution'
      THEN CAST(get_json_object(r.properties, '$.revenueAmount') AS BIGINT) END AS revenue_minor,
    upper(trim(get_json_object(r.properties, '$.revenueCurrency'))) AS revenue_currency,
    get_json_object(r.properties, '$.priority') AS priority,
    get_json_object(r.properties, '$.lifecycleStage') AS lifecycle_stage
  FROM bronze_events r
  WHERE r.dt BETWEEN '${from}' AND '${to}'
)
SELECT
  t.event_id,
  t.event_type,
  t.event_name,
  t.source,
  t.kind,
  t.user_id,
  t.anonymous_id,
  t.ts,
  t.received_at,
  t.dt,
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
  CAST(t.amount_minor AS DOUBLE) / c.minor_per_unit * c.usd_per_unit AS amount_usd,
  CAST(t.cost_minor AS DOUBLE) / cc.minor_per_unit * cc.usd_per_unit AS cost_usd,
  CAST(t.revenue_minor AS DOUBLE) / rc.minor_per_unit * rc.usd_per_unit AS revenue_usd
FROM typed t
-- ISO-3166 alpha-2: the geo lookup's code, else the customer's own country (code, alpha-3 or name).
LEFT JOIN (SELECT DISTINCT iso2, name AS k FROM ref_countries UNION SELECT DISTINCT iso2, iso2 FROM ref_countries
  UNION SELECT DISTINCT iso2, iso3 FROM ref_countries) tc ON tc.k = t.traits_country
LEFT JOIN ref_currency_rates c ON c.currency = t.currency
LEFT JOIN ref_currency_rates cc ON cc.currency = t.cost_currency
LEFT JOIN ref_currency_rates rc ON rc.currency = t.revenue_currency
WHERE t.rn = 1
