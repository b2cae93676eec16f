-- Every consent statement with the customer it is about (event_customers: the identity rules,
-- so a forged client-side claim speaks only for the forger's own device): what gold.consent_history
-- and gold.customer_consent are built from.
SELECT ec.customer_id, c.purpose, c.granted, c.stated_at, c.source, c.event_id
FROM silver_consent_events c
JOIN event_customers ec ON ec.event_id = c.event_id
