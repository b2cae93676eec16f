import plan from '../../../sql/pipeline.json';
import { lit } from '../sql';

interface PipelineStepShape {
  kind: string;
  path?: string;
  retain?: { date: string; key: string };
}

/**
 * Lake–warehouse reconciliation: for every gold table that keeps history past silver
 * (sql/pipeline.json `retain`), each day of the lake's gold (by the table's date) against the
 * warehouse: the day's rows in the lake, and how many of their keys the warehouse holds; keys the
 * warehouse holds that the lake does not are a row of their own (day "not in lake"). A day that
 * differs is divergence: a load that failed halfway, a warehouse edited by hand, a lake rebuilt
 * from less than it had. The warehouse reads the lake's Parquet itself (one engine, one join).
 */
export interface ReconcileRow {
  table: string;
  day: string;
  lake_rows: number;
  warehouse_rows: number;
  agrees: boolean;
}

export const NOT_IN_LAKE = 'not in lake';

/** The gold tables that keep history past silver: what the reconciliation compares. */
export function reconciledTables(): { name: string; date: string; key: string; path: string }[] {
  return (plan.steps as PipelineStepShape[])
    .filter((s) => s.kind === 'table' && s.retain && s.path?.startsWith('gold/'))
    .map((s) => ({
      name: (s.path as string).slice('gold/'.length),
      date: (s.retain as { date: string }).date,
      key: (s.retain as { key: string }).key,
      path: s.path as string,
    }));
}

/**
 * One table's reconciliation as one query the warehouse runs, reading the lake's rows through
 * `lake` (DuckDB: read_parquet of the gold file; Redshift: the table in the Spectrum schema over
 * the gold catalog): per lake day, its rows and how many of their keys `gold.<table>` holds; and
 * the keys only the warehouse holds. Columns: day, n, w.
 */
export function reconcileSql(t: { name: string; date: string; key: string }, lake: string): string {
  const lakeRows = `(SELECT CAST(CAST(${t.date} AS DATE) AS VARCHAR) AS day, CAST(${t.key} AS VARCHAR) AS k FROM ${lake})`;
  return `WITH l AS ${lakeRows}, w AS (SELECT DISTINCT CAST(${t.key} AS VARCHAR) AS k FROM gold.${t.name})
    SELECT coalesce(l.day, '') AS day, count(*) AS n, count(w.k) AS w FROM l LEFT JOIN w ON w.k = l.k GROUP BY 1
    UNION ALL
    SELECT ${lit(NOT_IN_LAKE)} AS day, 0 AS n, count(*) AS w FROM w WHERE NOT EXISTS (SELECT 1 FROM l WHERE l.k = w.k)
    HAVING count(*) > 0`;
}

/** The per-table query results as rows, each day marked agreeing or not, sorted by table and day. */
export function reconcileRows(
  table: string,
  rows: { day: string; n: string | number; w: string | number }[],
): ReconcileRow[] {
  return rows.map((r) => {
    const row = { table, day: r.day, lake_rows: Number(r.n), warehouse_rows: Number(r.w) };
    return { ...row, agrees: row.lake_rows === row.warehouse_rows };
  });
}
