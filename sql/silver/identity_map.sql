-- silver.identity_map: identity key → customer_id, stable across runs. A component keeps the
-- customer_id its keys had in the previous run (identity_map_previous); when components merge,
-- the oldest id wins (earliest customer_since, then the smaller id); a component with no
-- previous id gets a new deterministic id (a hash of its smallest key). If a split leaves two
-- components claiming one old id, the component holding the id's oldest key keeps it.
-- Components are identity_resolved's (precedence and limits). Hub keys (identity_hubs) map to
-- their own customer but are flagged and never attribute events.
WITH node_first AS (
  SELECT concat(id_type, ':', id_value) AS node, min(dt) AS first_dt
  FROM silver_identities GROUP BY concat(id_type, ':', id_value)
),
comp AS (
  SELECT l.node, l.label, coalesce(f.first_dt, '9999-12-31') AS first_dt
  FROM identity_resolved l LEFT JOIN node_first f ON f.node = l.node
),
claims AS (
  SELECT c.label, p.customer_id, p.customer_since,
    min(c.first_dt) AS claim_first_dt, min(c.node) AS claim_node
  FROM comp c JOIN identity_map_previous p ON p.node = c.node
  GROUP BY c.label, p.customer_id, p.customer_since
),
best_claim AS (
  SELECT label, customer_id, customer_since,
    row_number() OVER (PARTITION BY label ORDER BY customer_since, customer_id) AS rn
  FROM claims
),
owner AS (
  -- One component per old id: the one holding the id's oldest key.
  SELECT b.label, b.customer_id, b.customer_since,
    row_number() OVER (PARTITION BY b.customer_id ORDER BY c.claim_first_dt, c.claim_node) AS owner_rn
  FROM best_claim b
  JOIN claims c ON c.label = b.label AND c.customer_id = b.customer_id
  WHERE b.rn = 1
),
comp_first AS (SELECT label, min(first_dt) AS since FROM comp GROUP BY label)
SELECT
  c.node,
  substr(c.node, 1, instr(c.node, ':') - 1) AS id_type,
  substr(c.node, instr(c.node, ':') + 1) AS id_value,
  coalesce(o.customer_id, concat('c_', substr(md5(c.label), 1, 16))) AS customer_id,
  coalesce(o.customer_since, cf.since) AS customer_since,
  CASE WHEN h.node IS NOT NULL THEN true ELSE false END AS is_hub
FROM comp c
JOIN comp_first cf ON cf.label = c.label
LEFT JOIN owner o ON o.label = c.label AND o.owner_rn = 1
LEFT JOIN identity_hubs h ON h.node = c.node
