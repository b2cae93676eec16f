-- silver.consent_events: every consent statement, one row per event and purpose it speaks to
-- (src/domain/consent.ts): enrich stored each statement's purposes in context.consent.purposes,
-- from Segment's consent object (on any event, and the "Segment Consent Preference Updated"
-- event), Shopify's email marketing consent and a CRM file's marketing_opt_in. Kept with its
-- source and time: the history gold.consent_history and the current gold.customer_consent derive
-- from. Same arrival window and global dedupe as silver.events (earliest arrival of an id wins).
WITH prior_ids AS (
  SELECT DISTINCT event_id FROM silver_event_ids_prior WHERE received_dt < '${from}' OR received_dt > '${to}'
),
stated AS (
  SELECT event_id, dt, received_dt, ts, source, kind,
    context.consent.purposes.marketing AS marketing,
    context.consent.purposes.advertising AS advertising,
    context.consent.purposes.personalization AS personalization,
    context.consent.purposes.analytics AS analytics,
    row_number() OVER (PARTITION BY event_id ORDER BY received_at, source, kind) AS rn
  FROM bronze_events
  WHERE received_dt BETWEEN '${from}' AND '${to}'
    AND (context.consent.purposes.marketing IS NOT NULL OR context.consent.purposes.advertising IS NOT NULL
      OR context.consent.purposes.personalization IS NOT NULL OR context.consent.purposes.analytics IS NOT NULL)
),
first_arrivals AS (
  SELECT s.* FROM stated s LEFT JOIN prior_ids p ON p.event_id = s.event_id
  WHERE s.rn = 1 AND p.event_id IS NULL
),
by_purpose AS (
  SELECT event_id, 'marketing' AS purpose, marketing AS granted, ts, source, kind, dt, received_dt FROM first_arrivals
  UNION ALL
  SELECT event_id, 'advertising', advertising, ts, source, kind, dt, received_dt FROM first_arrivals
  UNION ALL
  SELECT event_id, 'personalization', personalization, ts, source, kind, dt, received_dt FROM first_arrivals
  UNION ALL
  SELECT event_id, 'analytics', analytics, ts, source, kind, dt, received_dt FROM first_arrivals
)
SELECT event_id, purpose, CAST(granted AS BOOLEAN) AS granted, ts AS stated_at, source, kind, dt, received_dt
FROM by_purpose
WHERE granted IS NOT NULL
