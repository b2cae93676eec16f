-- reporting.pipeline_quarantine: quarantined events per reason, with the days they span (Pipeline Health).
SELECT reason, sum(events) AS events, min(dt) AS first_day, max(dt) AS last_day
FROM gold.quarantine_daily
GROUP BY reason
