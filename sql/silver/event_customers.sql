-- Which customer each event belongs to: the customer of its key of highest precedence (an account
-- before an email before a weak key, identity_types), so an event of a shared phone and a user id
-- belongs to the user. An event whose only keys are hubs belongs to nobody. A refused client-side
-- claim (identity_client_refused) does not count: a forged identify stays the forger's.
SELECT event_id, customer_id
FROM (
  SELECT i.event_id, m.customer_id,
    row_number() OVER (PARTITION BY i.event_id ORDER BY coalesce(t.precedence, 9), m.customer_id) AS rn
  FROM silver_identities i
  JOIN identity_map m ON m.node = concat(i.id_type, ':', i.id_value)
  LEFT JOIN identity_types t ON t.id_type = i.id_type
  LEFT JOIN identity_client_refused r
    ON r.event_id = i.event_id AND r.id_type = i.id_type AND r.id_value = i.id_value
  WHERE NOT m.is_hub AND r.event_id IS NULL
) x
WHERE rn = 1
