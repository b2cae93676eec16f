-- Connected components, one min-label propagation step (the runner repeats it until no label
-- changes): a node of ${labels} takes the smallest label among itself and its neighbours over
-- ${edges}. Used by identity_labels (every stitching link) and identity_account_labels (the
-- direct links between accounts).
SELECT
  l.node,
  least(l.label, coalesce(min(n.label), l.label)) AS label
FROM ${labels} l
LEFT JOIN ${edges} e ON e.src = l.node
LEFT JOIN ${labels} n ON n.node = e.dst
GROUP BY l.node, l.label
