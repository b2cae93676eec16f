/**
 * A scored day's model health (the daily pipeline's model-health step): how far the day's churn
 * features and churn scores moved from what the live models were fitted on, and whether the run
 * retrained. Kept as a record (`models/health/dt=<date>.json`) and as rows of the warehouse's
 * model_health table (the Model Health dashboard).
 */

/** PSI over which a distribution has shifted enough to retrain (the ModelDriftAlarm's threshold too). */
export const DRIFT_PSI_THRESHOLD = 0.25;

export interface ModelHealth {
  date: string;
  versions: { churn: string | null; customer: string | null };
  customers: number;
  /** PSI of each churn feature against the customer models' fit-time reference. */
  featurePsi: Record<string, number>;
  featurePsiMax: number;
  /** PSI of the churn scores against the live churn version's reference. */
  scorePsi: number;
  retrain: boolean;
  reason: string;
}

/** A row of the warehouse's model_health table: one check (a feature, or the score) of one day. */
export interface ModelHealthRow {
  run_date: string;
  check_name: string;
  psi: number;
  threshold: number;
  drifted: boolean;
  retrained: boolean;
  churn_version: string | null;
  customer_version: string | null;
}

/** The day's rows: one per feature (`feature:<name>`) and one for the churn score; none when nothing was scored. */
export function healthRows(h: ModelHealth): ModelHealthRow[] {
  if (h.customers === 0) return [];
  const row = (check_name: string, psi: number): ModelHealthRow => ({
    run_date: h.date,
    check_name,
    psi,
    threshold: DRIFT_PSI_THRESHOLD,
    drifted: psi > DRIFT_PSI_THRESHOLD,
    retrained: h.retrain,
    churn_version: h.versions.churn,
    customer_version: h.versions.customer,
  });
  return [
    ...Object.entries(h.featurePsi).map(([f, v]) => row(`feature:${f}`, v)),
    row('score:churn_probability', h.scorePsi),
  ];
}
