-- Warning: identity keys linking more than the hub limit of customers were not used for merging (investigate the key).
SELECT count(*) AS failures, min(node) AS example FROM identity_hubs
