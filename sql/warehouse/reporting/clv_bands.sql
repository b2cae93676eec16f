-- reporting.clv_bands: current customers per 12-month CLV band, with the band's total CLV (Customer Lifetime Value: the total and the distribution).
-- materialized: refilled after every load, from reporting.customer_lifetime_value (five rows instead of a million per visual).
SELECT clv_band AS band, clv_band_order AS band_order, count(*) AS customers, sum(clv_12m_usd) AS clv_12m_usd
FROM reporting.customer_lifetime_value
WHERE clv_band IS NOT NULL
GROUP BY clv_band, clv_band_order
