-- Warning: keys linked to several customer accounts (a household phone, a shared device, a reused email) were not used to merge them (identity resolution limits; investigate the key).
SELECT count(*) AS failures, min(node) AS example FROM identity_resolved WHERE refused
