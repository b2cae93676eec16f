-- silver.events: one row per event id (earliest received wins), typed and standardized.
-- Typed casts only read properties whose type the canonical schema guarantees for that event
-- type (free-form track properties such as "amount": "ten" must not break the run): the CASE
-- picks the value first, so the CAST only ever sees a guaranteed value or NULL.
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
      r.properties.mentionId, r.properties.contactId) AS entity_id,
    CAST(CASE WHEN r.event_type IN ('order_completed', 'order_refunded') THEN r.properties.amount END AS BIGINT) AS amount_minor,
    CASE WHEN r.event_type IN ('order_completed', 'order_refunded')
      THEN upper(trim(r.properties.currency)) END AS currency,
    CAST(CASE WHEN r.event_type = 'order_completed' THEN r.properties.itemCount END AS INT) AS item_count,
    lower(trim(r.properties.status)) AS status,
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
    r.properties.priority AS priority,
    r.properties.lifecycleStage AS lifecycle_stage
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
