/**
 * The churn model's feature columns, in the order the model, gold.churn_features and the scoring
 * batches use (a small module of its own so the Lambdas can import it without the trainers).
 */
export const CHURN_FEATURES = ['frequency', 'recency_weeks', 'tenure_weeks', 'monetary', 'weeks_since_last'];
