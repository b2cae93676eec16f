-- reporting.model_health_latest: the drift checks of the latest scored day (Model Health dashboard).
-- column run_date: The latest scoring day.
-- column check_name: feature:<name> (a churn feature) or score:churn_probability.
-- column psi: Population stability index against what the live models were fitted on (over 0.25: retrain).
-- column threshold: The PSI over which the pipeline retrains and the ModelDriftAlarm fires.
-- column drifted: 1 when the PSI is over the threshold, else 0.
-- column churn_version: The live churn model version that scored the day.
-- column customer_version: The live customer models version (CLV, P(alive), segments).
SELECT run_date, check_name, psi, threshold, CASE WHEN drifted THEN 1 ELSE 0 END AS drifted,
  churn_version, customer_version
FROM gold.model_health
WHERE run_date = (SELECT max(run_date) FROM gold.model_health)
