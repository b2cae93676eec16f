-- Account groups, one min-label propagation step over the direct account links (repeated until
-- no label changes).
SELECT
  l.node,
  least(l.label, coalesce(min(n.label), l.label)) AS label
FROM identity_account_labels l
LEFT JOIN identity_account_edges e ON e.src = l.node
LEFT JOIN identity_account_labels n ON n.node = e.dst
GROUP BY l.node, l.label
