-- reporting.audience_sizes: each audience after the latest run: members, and who entered and left in it (Audiences dashboard).
-- column audience: The audience (src/domain/audiences.ts).
-- column purpose: The consent purpose a destination needs to receive it.
-- column size: Consented members after the latest run.
-- column entered: Customers who entered in that run.
-- column exited: Customers who left in that run.
-- column as_of: The latest run date.
SELECT audience, purpose, size, entered, exited, as_of
FROM gold.audience_daily
WHERE as_of = (SELECT max(as_of) FROM gold.audience_daily)
