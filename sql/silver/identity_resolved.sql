-- Identity resolution with precedence and limits (docs/data-contract.md): the component every key
-- ends in. A component within the limits stays whole (keys linked on one event are one person).
-- A component that breaks one (two account groups holding the same account type: two user ids
-- joined only through a shared email, phone or device; more emails or phones than a profile may
-- hold) is resolved strictly: each account group is a profile; a contact or weak key joins the
-- one account group it is linked to directly, and a key linked to several (a household phone, a
-- shared device, a reused email) merges nothing: it stands alone and is counted as refused.
WITH keys AS (
  SELECT l.node, l.label, coalesce(t.role, 'weak') AS role, t.max_per_profile
  FROM identity_labels l
  LEFT JOIN identity_types t ON t.id_type = substr(l.node, 1, instr(l.node, ':') - 1)
),
type_counts AS (
  SELECT k.label, substr(k.node, 1, instr(k.node, ':') - 1) AS id_type, k.role, max(k.max_per_profile) AS lim,
    count(DISTINCT a.label) AS account_groups, count(DISTINCT k.node) AS key_count
  FROM keys k LEFT JOIN identity_account_labels a ON a.node = k.node
  GROUP BY k.label, substr(k.node, 1, instr(k.node, ':') - 1), k.role
),
over_limit AS (
  SELECT DISTINCT label FROM type_counts
  WHERE (role = 'account' AND account_groups > 1) OR (role <> 'account' AND lim IS NOT NULL AND key_count > lim)
),
adjacent AS (
  SELECT e.src AS node, count(DISTINCT a.label) AS groups, min(a.label) AS account_label
  FROM identity_merge_edges e JOIN identity_account_labels a ON a.node = e.dst
  GROUP BY e.src
)
SELECT
  k.node,
  CASE
    WHEN o.label IS NULL THEN k.label
    WHEN a.label IS NOT NULL THEN a.label
    WHEN j.groups = 1 THEN j.account_label
    ELSE k.node
  END AS label,
  CASE WHEN o.label IS NOT NULL AND a.label IS NULL AND j.groups > 1 THEN true ELSE false END AS refused
FROM keys k
LEFT JOIN over_limit o ON o.label = k.label
LEFT JOIN identity_account_labels a ON a.node = k.node
LEFT JOIN adjacent j ON j.node = k.node
