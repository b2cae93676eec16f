-- Row-level (gold.dq_row_flags lists each row): refunds do not exceed the order they refund; an order that says so is kept as sent and flagged, the rest publishes.
SELECT count(*) AS failures, min(order_key) AS example FROM fact_orders WHERE refunded_usd > gross_usd
