-- Hub guard: a key linking more than ${hub_limit} distinct account keys (user ids, provider
-- customer ids) is junk shared by strangers (a support address, a shared device, a placeholder
-- the blocklist missed), not a person. It is not used for merging; dq_identity_hubs reports it.
SELECT e.src AS node, count(DISTINCT e.dst) AS linked_accounts
FROM identity_edges e
WHERE e.src <> e.dst
  AND substr(e.dst, 1, instr(e.dst, ':') - 1) IN
    -- account identity types (generated: npm run gen)
    ('user_id', 'crm_contact', 'stripe_customer', 'shopify_customer', 'zendesk_user', 'hubspot_contact')
GROUP BY e.src
HAVING count(DISTINCT e.dst) > ${hub_limit}
