/**
 * The churn model's feature columns, in the order the model, gold.churn_features and the scoring
 * batches use (a small module of its own so the Lambdas can import it without the trainers).
 */
export const CHURN_FEATURES = ['frequency', 'recency_weeks', 'tenure_weeks', 'monetary', 'weeks_since_last'];

/**
 * A scoring batch's columns (gold.churn_features as the daily pipeline's ExportFeatures reads it):
 * the churn features, then what the customer models need besides (a buyer flag, the as-of day).
 */
export const SCORING_COLUMNS = ['customer_id', ...CHURN_FEATURES, 'is_buyer', 'as_of'];
