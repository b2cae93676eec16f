-- Each event id appears once in silver.events.
SELECT count(*) AS failures, min(event_id) AS example FROM (
  SELECT event_id FROM silver_events GROUP BY event_id HAVING count(*) > 1
) d
-- Generated from sql/pipeline.json (step dq_silver_events_unique_event_id) by npm run gen: edit the declaration, not this file.
