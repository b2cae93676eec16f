-- Identity edges: every pair of identity keys seen on one event belongs to one person.
-- Built over the whole history (identity is global), symmetric, with self-loops for lone keys.
SELECT DISTINCT
  concat(a.id_type, ':', a.id_value) AS src,
  concat(b.id_type, ':', b.id_value) AS dst
FROM silver_identities a
JOIN silver_identities b ON a.event_id = b.event_id
