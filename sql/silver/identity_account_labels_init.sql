-- Account groups, step 0: every account key is its own label.
SELECT DISTINCT src AS node, src AS label FROM identity_account_edges
