-- audience_definitions: the audiences defined in src/domain/audiences.ts, one row each.
-- Rendered from src/domain/audiences.ts by scripts/gen-reference.ts (npm run gen): do not edit.
SELECT 'best_customers' AS audience, 'advertising' AS purpose, 'The champions of the RFM segmentation: a lookalike seed for ad networks.' AS description
UNION ALL
SELECT 'high_value_at_risk' AS audience, 'marketing' AS purpose, 'Customers worth at least $100 over the next 12 months whom the churn model gives a 50 % or higher chance of leaving.' AS description
UNION ALL
SELECT 'new_this_week' AS audience, 'marketing' AS purpose, 'First seen in the 7 days up to the run date: the welcome series.' AS description
UNION ALL
SELECT 'win_back' AS audience, 'marketing' AS purpose, 'Bought, then stopped: the at_risk and hibernating RFM segments.' AS description
