-- reporting.pipeline_quarantine: quarantined events per reason, with the days they span (Pipeline Health).
-- column reason: The quarantine reason code (docs/data-contract.md).
-- column events: Events quarantined for it.
-- column first_day: First day one was quarantined.
-- column last_day: Latest day one was quarantined.
SELECT reason, sum(events) AS events, min(dt) AS first_day, max(dt) AS last_day
FROM gold.quarantine_daily
GROUP BY reason
