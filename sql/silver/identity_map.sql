-- silver.identity_map: identity key → customer_id, deterministic (a hash of the component's
-- smallest key), so reruns give the same ids.
SELECT
  node,
  substr(node, 1, instr(node, ':') - 1) AS id_type,
  substr(node, instr(node, ':') + 1) AS id_value,
  concat('c_', substr(md5(label), 1, 16)) AS customer_id
FROM identity_labels
