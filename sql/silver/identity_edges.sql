-- Identity edges: every pair of identity keys seen on one event belongs to one person, except a
-- refused client-side claim (identity_client_refused), which keeps only its self-loop.
-- Built over the whole history (identity is global), symmetric, with self-loops for lone keys.
SELECT DISTINCT
  concat(a.id_type, ':', a.id_value) AS src,
  concat(b.id_type, ':', b.id_value) AS dst
FROM silver_identities a
JOIN silver_identities b ON a.event_id = b.event_id
LEFT JOIN identity_client_refused ra
  ON ra.event_id = a.event_id AND ra.id_type = a.id_type AND ra.id_value = a.id_value
LEFT JOIN identity_client_refused rb
  ON rb.event_id = b.event_id AND rb.id_type = b.id_type AND rb.id_value = b.id_value
WHERE (ra.event_id IS NULL AND rb.event_id IS NULL)
  OR (a.id_type = b.id_type AND a.id_value = b.id_value)
