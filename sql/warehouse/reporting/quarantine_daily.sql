-- reporting.quarantine_daily: quarantined events per day, reason and source (the served Pipeline Health's filters and chart per day).
-- column dt: The day the events were quarantined (UTC).
-- column reason: The quarantine reason code (docs/data-contract.md).
-- column source: The c360 source that sent them (a write key's source, a webhook provider, a batch file kind).
-- column events: Events quarantined for that reason and source that day.
SELECT dt, reason, source, events
FROM gold.quarantine_daily
