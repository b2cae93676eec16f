-- Connected components, one min-label propagation step (the runner repeats it until no label
-- changes): a node takes the smallest label among itself and its neighbours.
SELECT
  l.node,
  least(l.label, coalesce(min(n.label), l.label)) AS label
FROM identity_labels l
LEFT JOIN identity_merge_edges e ON e.src = l.node
LEFT JOIN identity_labels n ON n.node = e.dst
GROUP BY l.node, l.label
