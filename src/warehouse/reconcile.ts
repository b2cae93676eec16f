import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lit } from '../etl/duckdb';
import { loadPlan } from '../etl/plan';
import { openWarehouse } from './embedded';

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

export async function reconcileLakeWarehouse(opts: {
  dataDir: string;
  lakeDir: string;
}): Promise<ReconcileRow[]> {
  const plan = await loadPlan();
  const tables = plan.filter((s) => s.kind === 'table' && s.retain && s.path?.startsWith('gold/'));
  const wh = await openWarehouse(opts.dataDir, { readOnly: true });
  const out: ReconcileRow[] = [];
  try {
    for (const step of tables) {
      const { date, key } = step.retain as { date: string; key: string };
      const file = join(opts.lakeDir, step.path as string, 'data.parquet');
      if (!existsSync(file)) continue;
      const name = (step.path as string).slice('gold/'.length);
      const [exists] = await wh.rows<{ n: string }>(
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'gold' AND table_name = ${lit(name)}`,
      );
      if (Number(exists?.n) === 0) continue;
      const lake = `(SELECT CAST(CAST(${date} AS DATE) AS VARCHAR) AS day, CAST(${key} AS VARCHAR) AS k FROM read_parquet(${lit(file)}))`;
      const rows = await wh.rows<{ day: string; n: string; w: string }>(
        `WITH w AS (SELECT DISTINCT CAST(${key} AS VARCHAR) AS k FROM gold.${name})
         SELECT coalesce(l.day, '') AS day, count(*) AS n, count(w.k) AS w FROM ${lake} l LEFT JOIN w USING (k) GROUP BY 1
         UNION ALL
         SELECT ${lit(NOT_IN_LAKE)}, 0, count(*) FROM gold.${name} x
         WHERE NOT EXISTS (SELECT 1 FROM ${lake} l WHERE l.k = CAST(x.${key} AS VARCHAR))
         HAVING count(*) > 0`,
      );
      for (const r of rows) {
        const row = { table: name, day: r.day, lake_rows: Number(r.n), warehouse_rows: Number(r.w) };
        out.push({ ...row, agrees: row.lake_rows === row.warehouse_rows });
      }
    }
  } finally {
    wh.close();
  }
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.day.localeCompare(b.day));
}
