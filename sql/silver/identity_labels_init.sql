-- Connected components, step 0: every node is its own label.
SELECT DISTINCT src AS node, src AS label FROM identity_edges
