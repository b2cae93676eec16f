-- gold.quarantine_daily: quarantined events per day, reason and source (Pipeline Health). Counts
-- only: the quarantined originals stay sealed in the lake.
SELECT substr(quarantined_at, 1, 10) AS dt, reason, coalesce(source, 'unknown') AS source, count(*) AS events
FROM quarantine_events
WHERE quarantined_at IS NOT NULL AND reason IS NOT NULL
GROUP BY substr(quarantined_at, 1, 10), reason, coalesce(source, 'unknown')
