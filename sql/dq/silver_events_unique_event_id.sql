-- Each event id appears once in silver.events.
SELECT count(*) AS failures FROM (
  SELECT event_id FROM silver_events GROUP BY event_id HAVING count(*) > 1
) d
