-- reporting.clv_bands: current customers per 12-month CLV band, with the band's total CLV (Customer Lifetime Value: the total and the distribution).
-- materialized: refilled after every load, from reporting.customer_lifetime_value (five rows instead of a million per visual).
-- column band: 12-month CLV band label.
-- column band_order: Sort order of the band (low to high).
-- column customers: Current customers in the band.
-- column clv_12m_usd: Total 12-month CLV of the band, USD.
SELECT clv_band AS band, clv_band_order AS band_order, count(*) AS customers, sum(clv_12m_usd) AS clv_12m_usd
FROM reporting.customer_lifetime_value
WHERE clv_band IS NOT NULL
GROUP BY clv_band, clv_band_order
