-- The edges stitching uses: identity_edges without any edge that touches a hub key.
SELECT e.src, e.dst
FROM identity_edges e
LEFT JOIN identity_hubs a ON a.node = e.src
LEFT JOIN identity_hubs b ON b.node = e.dst
WHERE a.node IS NULL AND b.node IS NULL
