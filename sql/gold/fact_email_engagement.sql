-- gold.fact_email_engagement: one row per email message and recipient (SendGrid's sg_message_id, one per recipient of a send): when it was delivered, first opened and first clicked, how often it was opened and clicked, and whether it bounced or was dropped, reported as spam or led to an unsubscribe.
SELECT
  e.entity_id AS message_id,
  min(ec.customer_id) AS customer_id,
  min(e.ts) AS first_event_at,
  min(CASE WHEN e.event_name = 'Email Delivered' THEN e.ts END) AS delivered_at,
  min(CASE WHEN e.event_name = 'Email Opened' THEN e.ts END) AS first_opened_at,
  min(CASE WHEN e.event_name = 'Email Link Clicked' THEN e.ts END) AS first_clicked_at,
  count(CASE WHEN e.event_name = 'Email Opened' THEN 1 END) AS opens,
  count(CASE WHEN e.event_name = 'Email Link Clicked' THEN 1 END) AS clicks,
  max(CASE WHEN e.event_name IN ('Email Bounced', 'Email Dropped') THEN 1 ELSE 0 END) = 1 AS bounced,
  max(CASE WHEN e.event_name = 'Email Marked as Spam' THEN 1 ELSE 0 END) = 1 AS spam_reported,
  max(CASE WHEN e.event_name = 'Unsubscribed' THEN 1 ELSE 0 END) = 1 AS unsubscribed
FROM silver_events e
LEFT JOIN event_customers ec ON ec.event_id = e.event_id
WHERE e.provider = 'sendgrid' AND e.entity_id IS NOT NULL
GROUP BY e.entity_id
