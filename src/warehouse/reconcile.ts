/** The lake–warehouse reconciliation embedded: the warehouse (DuckDB) reads gold's Parquet itself. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ReconcileRow,
  reconciledTables,
  reconcileRows,
  reconcileSql,
} from '../domain/warehouse/reconcile';
import { lit } from '../etl/duckdb';
import { openWarehouse } from './embedded';

export type { ReconcileRow } from '../domain/warehouse/reconcile';

export async function reconcileLakeWarehouse(opts: {
  dataDir: string;
  lakeDir: string;
}): Promise<ReconcileRow[]> {
  const wh = await openWarehouse(opts.dataDir, { readOnly: true });
  const out: ReconcileRow[] = [];
  try {
    for (const t of reconciledTables()) {
      const file = join(opts.lakeDir, t.path, 'data.parquet');
      if (!existsSync(file)) continue;
      const [exists] = await wh.rows<{ n: string }>(
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'gold' AND table_name = ${lit(t.name)}`,
      );
      if (Number(exists?.n) === 0) continue;
      out.push(...reconcileRows(t.name, await wh.rows(reconcileSql(t, `read_parquet(${lit(file)})`))));
    }
  } finally {
    wh.close();
  }
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.day.localeCompare(b.day));
}
