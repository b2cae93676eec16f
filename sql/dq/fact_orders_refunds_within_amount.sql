-- Refunds never exceed the order they refund (each refund counted once, by refund id).
SELECT count(*) AS failures, min(order_key) AS example FROM fact_orders WHERE refunded_usd > gross_usd
