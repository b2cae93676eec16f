-- reporting.audience_history: every audience's size, entries and exits per run date (Audiences dashboard).
-- column as_of: The run date.
-- column audience: The audience (src/domain/audiences.ts).
-- column purpose: The consent purpose a destination needs to receive it.
-- column size: Consented members after that run.
-- column entered: Customers who entered in that run.
-- column exited: Customers who left in that run.
SELECT as_of, audience, purpose, size, entered, exited
FROM gold.audience_daily
