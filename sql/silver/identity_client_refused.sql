-- Client-side identity claims refused (src/domain/trust.ts, docs/security.md): an email or phone on
-- an event sent with a public write key (a browser or mobile SDK key, which anyone can copy from a
-- page) where a server-side event (a signed webhook, a batch file, a server key) already ties that
-- email or phone to an account. Such a claim cannot move the account's identity: on that event the
-- key links nothing (identity_edges) and does not decide whose the event is (event_customers), so a
-- forged `identify` with someone's email leaves the forger's device on its own. A client-side
-- email that no server-side event holds still links its device (a newsletter form, a lead).
-- Partitions stored before client_side existed read it as NULL: server-side.
WITH held AS (
  SELECT DISTINCT c.id_type, c.id_value
  FROM silver_identities c
  JOIN silver_identities a ON a.event_id = c.event_id
  JOIN identity_types t ON t.id_type = a.id_type AND t.role = 'account'
  WHERE NOT coalesce(c.client_side, false) AND c.id_type IN ('email_hash', 'phone_hash')
)
SELECT DISTINCT i.event_id, i.id_type, i.id_value
FROM silver_identities i
JOIN held h ON h.id_type = i.id_type AND h.id_value = i.id_value
WHERE coalesce(i.client_side, false)
