-- The session keys (device: anonymousId, else userId) whose sessions a run must recompute; every
-- other key's stored sessions stay as they are (sessions and fact_sessions are keyed steps).
-- A key is touched when an event of the run has it (events that arrived in the range, as stored
-- before the run and as rebuilt now), or when it belongs to a touched customer: one with an event
-- in the run (a new order changes whether its sessions converted), or one whose identity changed
-- (a node that moved customer, before and after: the sessions carry the customer id).
-- A run with nothing stored before rebuilds everything and needs no list (full_rebuild).
WITH run_events AS (
  SELECT event_id, anonymous_id, user_id FROM silver_events
  WHERE received_dt BETWEEN '${from}' AND '${to}'
  UNION ALL
  SELECT event_id, anonymous_id, user_id FROM silver_events__stored
  WHERE received_dt BETWEEN '${from}' AND '${to}'
),
changed_nodes AS (
  SELECT m.node, m.customer_id, p.customer_id AS previous_customer_id
  FROM identity_map m
  LEFT JOIN identity_map_previous p ON p.node = m.node
  WHERE p.customer_id IS NULL OR p.customer_id <> m.customer_id
),
touched_customers AS (
  SELECT ec.customer_id FROM event_customers ec JOIN run_events r ON r.event_id = ec.event_id
  UNION
  SELECT p.customer_id
  FROM silver_identities__stored si
  JOIN identity_map_previous p ON p.node = concat(si.id_type, ':', si.id_value)
  WHERE si.received_dt BETWEEN '${from}' AND '${to}'
  UNION
  SELECT customer_id FROM changed_nodes
  UNION
  SELECT previous_customer_id AS customer_id FROM changed_nodes WHERE previous_customer_id IS NOT NULL
),
touched_nodes AS (
  -- Under the map as it is now and as it was: a customer's sessions may hold either id.
  SELECT m.node FROM identity_map m JOIN touched_customers t ON t.customer_id = m.customer_id
  UNION
  SELECT p.node FROM identity_map_previous p JOIN touched_customers t ON t.customer_id = p.customer_id
)
SELECT session_key FROM (
  SELECT coalesce(anonymous_id, user_id) AS session_key FROM run_events
  UNION
  SELECT substr(node, instr(node, ':') + 1) AS session_key FROM touched_nodes
  WHERE node LIKE 'anonymous_id:%' OR node LIKE 'user_id:%'
) k
WHERE session_key IS NOT NULL AND NOT ${full_rebuild}
