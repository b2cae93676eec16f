-- gold.fact_ad_attribution: installs, in-app events and conversions by network and campaign.
SELECT
  e.event_id,
  ec.customer_id,
  e.ts AS attributed_at,
  e.dt,
  e.network,
  e.action,
  e.media_source,
  e.ad_campaign AS campaign,
  coalesce(e.cost_usd, 0) AS cost_usd,
  coalesce(e.revenue_usd, 0) AS revenue_usd
FROM silver_events e
LEFT JOIN event_customers ec ON ec.event_id = e.event_id
WHERE e.event_type = 'ad_attribution'
