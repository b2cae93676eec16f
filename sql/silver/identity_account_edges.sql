-- The links between account keys themselves (user ids, CRM contacts, provider customer ids) seen
-- on one event: an alias (previousId and userId), a provider event naming its customer and the
-- user. These are direct, so they merge accounts even of one type; every other link is resolved
-- under the limits (identity_resolved).
SELECT e.src, e.dst
FROM identity_merge_edges e
JOIN identity_types a ON a.id_type = substr(e.src, 1, instr(e.src, ':') - 1)
JOIN identity_types b ON b.id_type = substr(e.dst, 1, instr(e.dst, ':') - 1)
WHERE a.role = 'account' AND b.role = 'account'
