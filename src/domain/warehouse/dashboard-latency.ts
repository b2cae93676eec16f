/**
 * The dashboard-latency SLI in AWS: QuickSight queries the reporting views live (DIRECT_QUERY) as
 * the `quicksight` database user, and Redshift keeps each query's elapsed time in
 * SYS_QUERY_HISTORY. Every few minutes the pipeline-steps function reads the last window's
 * successful SELECTs of that user and emits each as DashboardQueryMs, the metric the embedded
 * dashboard renderer emits for its own queries: one SLO, measured where the analyst waits.
 */
export const DASHBOARD_DB_USER = 'quicksight';

export function dashboardLatencySql(windowMinutes: number, user = DASHBOARD_DB_USER): string {
  if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || windowMinutes > 1440)
    throw new RangeError(`the dashboard-latency window is 1-1440 minutes, got ${windowMinutes}`);
  if (!/^[a-z_][a-z0-9_]*$/.test(user)) throw new RangeError(`not a database user name: ${user}`);
  return [
    'SELECT q.query_id, q.elapsed_time / 1000.0 AS elapsed_ms',
    'FROM sys_query_history q',
    `JOIN pg_user u ON u.usesysid = q.user_id AND u.usename = '${user}'`,
    `WHERE q.end_time >= dateadd(minute, -${windowMinutes}, getdate())`,
    "  AND q.status = 'success'",
    "  AND q.query_type = 'SELECT'",
  ].join('\n');
}
