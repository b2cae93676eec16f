import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { C360Error } from '../domain/errors';
import { healthRows, type ModelHealth, type ModelHealthRow } from '../domain/models/health';
import { type MigrationReport, migrate } from '../domain/warehouse/migrations';
import {
  commentStatements,
  duckdbDdl,
  exportSelect,
  goldSource,
  mergeStatements,
  stagingDdl,
  stagingName,
  WAREHOUSE_TABLES,
  type WarehouseTable,
} from '../domain/warehouse/model';
import {
  createStatements,
  REPORTING_VIEWS,
  type ReportingView,
  refreshStatements,
  reportingRelations,
} from '../domain/warehouse/reporting';
import { type Engine, inTransaction, lit, openDuckDb } from '../etl/duckdb';

/**
 * The embedded warehouse (Redshift's role): a DuckDB database file with the same schemas, tables
 * (from the one table model) and reporting layer (sql/warehouse/reporting/, the SQL Redshift
 * runs; the materialized tables refilled after each load), loaded from gold Parquet with the same merge statements the Redshift loader sends.
 */
export function warehouseFile(dataDir: string): string {
  return join(dataDir, 'warehouse', 'c360.duckdb');
}

/**
 * `readOnly`: the caller only reads (the warehouse must exist). `locked`: DuckDB itself opens it
 * read-only, so no statement can change it (c360 query); other readers in a process that also
 * writes the file leave it off, as DuckDB opens one file with one configuration per process.
 */
export async function openWarehouse(
  dataDir: string,
  opts: { readOnly?: boolean; locked?: boolean } = {},
): Promise<Engine> {
  const file = warehouseFile(dataDir);
  if ((opts.readOnly || opts.locked) && !existsSync(file)) {
    throw new C360Error(`no warehouse under ${dataDir}: run "c360 warehouse load" (or "npm start") first`);
  }
  await mkdir(join(dataDir, 'warehouse'), { recursive: true });
  return openDuckDb(file, { readOnly: opts.locked === true });
}

/**
 * Schemas, tables (from the model) and the reporting layer. A materialized reporting table is
 * created when missing, or again when its SELECT's columns changed; refreshReporting fills it.
 */
export async function setupWarehouse(engine: Engine): Promise<MigrationReport> {
  for (const schema of ['gold', 'staging', 'reporting'])
    await engine.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  // A warehouse an earlier release built: its tables brought to the model first.
  const migrated = await migrate(
    {
      rows: (sql) => engine.rows(sql),
      transaction: (label, statements) =>
        inTransaction(engine, async () => {
          for (const sql of statements) await engine.run(sql);
        }).catch((err) => {
          throw rolledBack(`the warehouse ${label}`, err);
        }),
    },
    'duckdb',
    duckdbDdl,
  );
  for (const t of WAREHOUSE_TABLES) {
    await engine.run(duckdbDdl(t));
    for (const comment of commentStatements(t)) await engine.run(comment);
    await engine.run(stagingDdl(t, 'duckdb'));
  }
  const existing = await reportingRelations(engine);
  for (const v of REPORTING_VIEWS) {
    const kind = existing.get(v.name);
    if (v.materialized && kind === 'TABLE' && (await sameColumns(engine, v))) continue;
    for (const sql of createStatements(v, kind)) await engine.run(sql);
  }
  return migrated;
}

/** Whether a materialized reporting table still has the columns (names and types) its SELECT makes. */
async function sameColumns(engine: Engine, v: ReportingView): Promise<boolean> {
  type Col = { column_name: string; column_type: string };
  const shape = (cols: Col[]) => cols.map((c) => `${c.column_name} ${c.column_type}`).join(', ');
  return (
    shape(await engine.rows<Col>(`DESCRIBE reporting.${v.name}`)) ===
    shape(await engine.rows<Col>(`DESCRIBE SELECT * FROM (${v.sql}) q`))
  );
}

/** Refills the materialized reporting tables in one transaction (after a load or an erasure). */
export async function refreshReporting(engine: Engine): Promise<void> {
  await inTransaction(engine, async () => {
    for (const sql of refreshStatements()) await engine.run(sql);
  }).catch((err) => {
    throw rolledBack('refreshing the reporting tables', err);
  });
}

/** The columns of every reporting view (an empty in-memory warehouse described), for QuickSight's datasets. */
export async function reportingViewColumns(): Promise<
  Record<string, { name: string; type: string; description: string }[]>
> {
  const engine = await openDuckDb();
  try {
    await setupWarehouse(engine);
    const out: Record<string, { name: string; type: string; description: string }[]> = {};
    for (const v of REPORTING_VIEWS) {
      const described = await engine.rows<{ column_name: string; column_type: string }>(
        `DESCRIBE reporting.${v.name}`,
      );
      out[v.name] = described.map((c) => {
        const description = v.columns[c.column_name];
        if (!description)
          throw new C360Error(
            `sql/warehouse/reporting/${v.name}.sql: column ${c.column_name} is not described: add a "-- column ${c.column_name}: <what it holds>" line to its header`,
          );
        return { name: c.column_name, type: c.column_type, description };
      });
    }
    return out;
  } finally {
    engine.close();
  }
}

export interface TableLoad {
  table: string;
  rowsLoaded: number;
  rowsInTable: number;
}

export interface WarehouseLoadReport {
  from: string | null;
  to: string | null;
  tables: TableLoad[];
  ms: number;
}

const count = async (engine: Engine, sql: string) =>
  Number((await engine.rows<{ n: string }>(`SELECT count(*) AS n FROM (${sql})`))[0]?.n ?? 0);

/**
 * Loads gold into the warehouse: every table, or only the rows of dated tables whose date is in
 * [from, to]. Each table is staged, then merged in one transaction; one load at a time (a lock
 * on the warehouse folder). Loading the same dates twice changes nothing.
 */
export async function loadWarehouse(opts: {
  dataDir: string;
  lakeDir: string;
  from?: string;
  to?: string;
  now?: () => Date;
  onProgress?: (message: string) => void;
}): Promise<WarehouseLoadReport> {
  const started = performance.now();
  if ((opts.from && !opts.to) || (!opts.from && opts.to) || (opts.from && opts.to && opts.from > opts.to)) {
    throw new C360Error('a warehouse load takes no dates (everything in gold) or --from <= --to');
  }
  const gold = join(opts.lakeDir, 'gold');
  if (!existsSync(join(gold, 'fact_orders', 'data.parquet'))) {
    throw new C360Error(`gold is empty under ${opts.lakeDir}: run "c360 etl" (or "npm start") first`);
  }
  const release = await holdLoadLock(opts.dataDir);
  const engine = await openWarehouse(opts.dataDir);
  const loadedAt = (opts.now?.() ?? new Date()).toISOString().replace('T', ' ').replace('Z', '');
  const report: WarehouseLoadReport = { from: opts.from ?? null, to: opts.to ?? null, tables: [], ms: 0 };
  try {
    await setupWarehouse(engine);
    const goldView = async (name: string) => {
      const file = join(gold, name, 'data.parquet');
      if (!existsSync(file)) return false;
      await engine.run(
        `CREATE OR REPLACE TEMP VIEW gold_${name} AS SELECT * FROM read_parquet(${lit(file)})`,
      );
      return true;
    };
    await goldView('customer_rfm');
    for (const t of WAREHOUSE_TABLES) {
      if ('generated' in t.source) continue;
      if ('stream' in t.source) {
        // The real-time Lambda's windows (embedded it appends them under lake/realtime/; in AWS
        // it writes Redshift itself): merged on their key, so a reload changes nothing.
        const files = join(opts.lakeDir, 'realtime', '*', '*.ndjson');
        if (!existsSync(join(opts.lakeDir, 'realtime'))) continue;
        const rowsLoaded = await stageAndMerge(
          engine,
          t,
          `SELECT CAST(window_start AS TIMESTAMP) AS window_start, shard_id, events, late_events, orders,
             active_customers, customers_capped, CAST(revenue_minor AS VARCHAR) AS revenue_minor,
             CAST(revenue_usd AS DECIMAL(18,2)) AS revenue_usd, coalesce(repeated_orders, 0) AS repeated_orders
           FROM read_json(${lit(files)}, format = 'newline_delimited', columns = {window_start: 'VARCHAR', shard_id: 'VARCHAR',
             events: 'BIGINT', late_events: 'BIGINT', orders: 'BIGINT', active_customers: 'BIGINT',
             customers_capped: 'BOOLEAN', revenue_minor: 'VARCHAR', revenue_usd: 'VARCHAR', repeated_orders: 'BIGINT'})`,
          loadedAt,
        );
        report.tables.push({
          table: t.name,
          rowsLoaded,
          rowsInTable: await count(engine, `SELECT * FROM gold.${t.name}`),
        });
        continue;
      }
      if ('modelHealth' in t.source) {
        const rowsLoaded = await mergeModelHealth(engine, t, await readHealthRows(opts.dataDir), loadedAt);
        report.tables.push({
          table: t.name,
          rowsLoaded,
          rowsInTable: await count(engine, `SELECT * FROM gold.${t.name}`),
        });
        continue;
      }
      const goldName = goldSource(t) as string;
      if (!(await goldView(goldName))) {
        if ('gold' in t.source)
          throw new C360Error(`gold.${goldName} is missing under ${gold}: rerun "c360 etl"`);
        continue; // optional (model scores not produced yet)
      }
      const dated = 'gold' in t.source && t.source.dateExpr && opts.from && opts.to;
      const where =
        dated && 'gold' in t.source
          ? `${t.source.dateExpr} BETWEEN ${lit(opts.from as string)} AND ${lit(opts.to as string)}`
          : undefined;
      const rowsLoaded = await stageAndMerge(
        engine,
        t,
        exportSelect(t, (g) => `gold_${g}`, where),
        loadedAt,
      );
      report.tables.push({
        table: t.name,
        rowsLoaded,
        rowsInTable: await count(engine, `SELECT * FROM gold.${t.name}`),
      });
      opts.onProgress?.(`gold.${t.name}: ${rowsLoaded} rows merged`);
    }
    const dimDate = WAREHOUSE_TABLES.find((t) => t.name === 'dim_date') as WarehouseTable;
    const rows = await stageAndMerge(
      engine,
      dimDate,
      `SELECT d AS date_key, year(d) AS year, quarter(d) AS quarter, month(d) AS month, dayofweek(d) AS day_of_week,
         dayofweek(d) IN (0, 6) AS is_weekend
       FROM (SELECT CAST(unnest(generate_series(min(order_date), max(order_date), INTERVAL 1 DAY)) AS DATE) AS d
             FROM gold.fact_orders WHERE order_date IS NOT NULL)`,
      loadedAt,
    );
    report.tables.push({
      table: 'dim_date',
      rowsLoaded: rows,
      rowsInTable: await count(engine, 'SELECT * FROM gold.dim_date'),
    });
    for (const t of report.tables) {
      await engine.run(
        `INSERT INTO gold.load_audit VALUES (${lit(t.table)}, CAST(${lit(loadedAt)} AS TIMESTAMP), ${opts.from ? `CAST(${lit(opts.from)} AS DATE)` : 'NULL'}, ${opts.to ? `CAST(${lit(opts.to)} AS DATE)` : 'NULL'}, ${t.rowsLoaded}, ${t.rowsInTable})`,
      );
    }
    await refreshReporting(engine);
    opts.onProgress?.('reporting tables refreshed');
  } finally {
    engine.close();
    await release();
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}

/** A step's error once its transaction was rolled back, saying which step. */
const rolledBack = (what: string, err: unknown) =>
  new C360Error(`${what} failed and was rolled back: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });

/** Stages rows, then merges them in one transaction (rolled back whole on any error). */
/** One writer of the embedded warehouse at a time (loads, model health): its load lock, waited for. */
async function holdLoadLock(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(join(dataDir, 'warehouse'), { recursive: true });
  return lock(join(dataDir, 'warehouse'), {
    lockfilePath: join(dataDir, 'warehouse', '.load.lock'),
    realpath: false,
    retries: { retries: 50, minTimeout: 100, maxTimeout: 1000 },
  });
}

/** Every model-health record under DIR/models/health/ as model_health rows. */
async function readHealthRows(dataDir: string): Promise<ModelHealthRow[]> {
  const dir = join(dataDir, 'models', 'health');
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const rows: ModelHealthRow[] = [];
  for (const f of files)
    rows.push(...healthRows(JSON.parse(await readFile(join(dir, f), 'utf8')) as ModelHealth));
  return rows;
}

async function mergeModelHealth(
  engine: Engine,
  t: WarehouseTable,
  rows: ModelHealthRow[],
  loadedAt: string,
): Promise<number> {
  if (rows.length === 0) return 0;
  const values = rows
    .map(
      (r) =>
        `(CAST(${lit(r.run_date)} AS DATE), ${lit(r.check_name)}, CAST(${r.psi} AS DOUBLE), CAST(${r.threshold} AS DOUBLE), ${r.drifted}, ${r.retrained}, ${r.churn_version === null ? 'NULL' : lit(r.churn_version)}, ${r.customer_version === null ? 'NULL' : lit(r.customer_version)})`,
    )
    .join(', ');
  return stageAndMerge(
    engine,
    t,
    `SELECT * FROM (VALUES ${values}) v(${t.columns.map((c) => c.name).join(', ')})`,
    loadedAt,
  );
}

/**
 * The model-health step's rows, upserted into the embedded warehouse at once (as the step does
 * on Redshift), the reporting tables refilled: the Model Health dashboard shows the run.
 */
export async function upsertModelHealth(dataDir: string, rows: ModelHealthRow[]): Promise<void> {
  const t = WAREHOUSE_TABLES.find((x) => 'modelHealth' in x.source) as WarehouseTable;
  const release = await holdLoadLock(dataDir);
  const engine = await openWarehouse(dataDir);
  try {
    await setupWarehouse(engine);
    await mergeModelHealth(engine, t, rows, new Date().toISOString().replace('T', ' ').replace('Z', ''));
    await refreshReporting(engine);
  } finally {
    engine.close();
    await release();
  }
}

async function stageAndMerge(
  engine: Engine,
  t: WarehouseTable,
  select: string,
  loadedAt: string,
): Promise<number> {
  await engine.run(`DELETE FROM ${stagingName(t)}`);
  await engine.run(`INSERT INTO ${stagingName(t)} ${select}`);
  const staged = await count(engine, `SELECT * FROM ${stagingName(t)}`);
  await inTransaction(engine, async () => {
    for (const sql of mergeStatements(t, loadedAt)) await engine.run(sql);
  }).catch((err) => {
    throw rolledBack(`loading gold.${t.name}`, err);
  });
  return staged;
}
