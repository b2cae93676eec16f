import baselineFile from '../../../sql/warehouse/migrations/baseline.json';
import { C360Error } from '../errors';
import { lit } from '../sql';
import { type Column, DUCKDB, REDSHIFT, stagingName, WAREHOUSE_TABLES, type WarehouseTable } from './model';

/**
 * Versioned warehouse migrations. The table model (model.ts) says what a warehouse built today
 * looks like; a warehouse built by an earlier release is brought to it by the migrations after
 * its version, in order, each in one transaction with its row in c360_meta.schema_migrations. A
 * warehouse without that table was built before migrations existed: it is at the baseline
 * (sql/warehouse/migrations/baseline.json, version 0). A new warehouse is created from the model
 * and recorded at the latest version.
 *
 * Every change to an existing table of the model is a migration here (a test replays the baseline
 * through them and compares with the model): a new nullable column is `addColumn`; anything else
 * (a type, a key, the sort key or distribution) is `rebuild`, a deep copy into the table as
 * modelled, keeping the columns both have. A new table needs none (it is created as modelled).
 * The reporting views are created again after the migrations by the setup, as on every deploy.
 */
export type MigrationStep = { addColumn: { table: string; column: string } } | { rebuild: { table: string } };

export interface Migration {
  version: number;
  description: string;
  steps: MigrationStep[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'gold.realtime_minute.repeated_orders: orders a window saw again and did not count again',
    steps: [{ addColumn: { table: 'realtime_minute', column: 'repeated_orders' } }],
  },
  {
    version: 2,
    description:
      'gold.audience_members.entered_on and as_of: when each member entered, for entries and exits over time',
    steps: [
      { addColumn: { table: 'audience_members', column: 'entered_on' } },
      { addColumn: { table: 'audience_members', column: 'as_of' } },
    ],
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** A table as the migrations see it: columns (name, type, NOT NULL), key, distribution, sort key. */
export interface TableShape {
  name: string;
  columns: string[][];
  key: string[];
  dist: string;
  sortKey: string[];
}

export const BASELINE = baselineFile as { version: number; tables: TableShape[] };

const columnShape = (c: Column): string[] => [c.name, c.type, ...(c.notNull ? ['not null'] : [])];

export function shapeOf(t: WarehouseTable): TableShape {
  return {
    name: t.name,
    columns: t.columns.map(columnShape),
    key: t.key,
    dist: t.dist.style === 'KEY' ? `KEY(${t.dist.key})` : t.dist.style,
    sortKey: t.sortKey,
  };
}

const modelTable = (name: string): WarehouseTable => {
  const t = WAREHOUSE_TABLES.find((x) => x.name === name);
  if (!t) throw new C360Error(`a migration names gold.${name}, which the table model does not have`);
  return t;
};

/** The model's column an `addColumn` step adds. */
function addedColumn(step: { table: string; column: string }): Column {
  const col = modelTable(step.table).columns.find((c) => c.name === step.column);
  if (!col)
    throw new C360Error(`a migration adds gold.${step.table}.${step.column}, which the model does not have`);
  return col;
}

/** The baseline's tables after the migrations up to `version` (what such a warehouse holds). */
export function shapesAt(version: number): Map<string, TableShape> {
  const shapes = new Map(BASELINE.tables.map((t) => [t.name, structuredClone(t)]));
  for (const m of MIGRATIONS.filter((x) => x.version <= version))
    for (const step of m.steps) {
      if ('addColumn' in step) {
        shapes.get(step.addColumn.table)?.columns.push(columnShape(addedColumn(step.addColumn)));
      } else shapes.set(step.rebuild.table, shapeOf(modelTable(step.rebuild.table)));
    }
  return shapes;
}

type Engine = 'redshift' | 'duckdb';

/** The statements of one migration step in an engine's SQL. */
export function stepStatements(
  step: MigrationStep,
  engine: Engine,
  ddl: (t: WarehouseTable) => string,
): string[] {
  if ('addColumn' in step) {
    const { table, column } = step.addColumn;
    const col = addedColumn(step.addColumn);
    if (col.notNull)
      throw new C360Error(`gold.${table}.${column}: an added column must allow NULL (rows exist)`);
    // The load's staging copy (scratch, model-shaped) is dropped: the setup after the migrations
    // creates it again with the column.
    return [
      `ALTER TABLE gold.${table} ADD COLUMN ${column} ${(engine === 'redshift' ? REDSHIFT : DUCKDB)[col.type]}`,
      `DROP TABLE IF EXISTS ${stagingName(modelTable(table))}`,
    ];
  }
  // A deep copy: the table as modelled under a new name, the columns both have copied, the old
  // one dropped (its dependent reporting views with it: the setup creates them again) and the new
  // one renamed into place.
  const t = modelTable(step.rebuild.table);
  const before = shapesBefore(step);
  const common = t.columns.map((c) => c.name).filter((n) => before.columns.some(([name]) => name === n));
  const next = `${t.name}__migrating`;
  return [
    `DROP TABLE IF EXISTS gold.${next}`,
    ddl({ ...t, name: next }),
    `INSERT INTO gold.${next} (${common.join(', ')}) SELECT ${common.join(', ')} FROM gold.${t.name}`,
    `DROP TABLE gold.${t.name}${engine === 'redshift' ? ' CASCADE' : ''}`,
    `ALTER TABLE gold.${next} RENAME TO ${t.name}`,
    `DROP TABLE IF EXISTS ${stagingName(t)}`,
  ];
}

/** The shape of the table a rebuild step starts from (the migrations before it). */
function shapesBefore(step: MigrationStep): TableShape {
  const m = MIGRATIONS.find((x) => x.steps.includes(step));
  const table = 'rebuild' in step ? step.rebuild.table : step.addColumn.table;
  const shape = shapesAt((m?.version ?? 1) - 1).get(table);
  if (!shape) throw new C360Error(`gold.${table} is not in the warehouse before migration ${m?.version}`);
  return shape;
}

/** What the migrations bookkeeping needs of a warehouse: reading rows, and statements run in one transaction. */
export interface MigrationTarget {
  rows<T>(sql: string): Promise<T[]>;
  transaction(label: string, statements: string[]): Promise<void>;
}

/** The bookkeeping, in a schema of its own (gold holds the model's tables only). */
export const MIGRATIONS_TABLE_DDL = [
  'CREATE SCHEMA IF NOT EXISTS c360_meta',
  'CREATE TABLE IF NOT EXISTS c360_meta.schema_migrations (version INTEGER NOT NULL, description VARCHAR(1000), applied_at TIMESTAMP)',
];

const record = (version: number, description: string) =>
  `INSERT INTO c360_meta.schema_migrations (version, description, applied_at) VALUES (${version}, ${lit(description)}, CURRENT_TIMESTAMP)`;

export interface MigrationReport {
  /** The version found (null: a new warehouse). */
  from: number | null;
  to: number;
  applied: number[];
}

/**
 * Brings the warehouse's existing tables to the model's latest version. Run before the setup's
 * CREATE TABLE IF NOT EXISTS (which then adds only tables that are new). A warehouse newer than
 * this release (a rollback of the code, not of the data) is refused with what to do.
 */
export async function migrate(
  db: MigrationTarget,
  engine: Engine,
  ddl: (t: WarehouseTable) => string,
): Promise<MigrationReport> {
  await db.transaction('migrations-table', MIGRATIONS_TABLE_DDL);
  const [row] = await db.rows<{ v: number | string | null }>(
    'SELECT max(version) AS v FROM c360_meta.schema_migrations',
  );
  let from: number | null = row?.v === null || row?.v === undefined ? null : Number(row.v);
  if (from === null) {
    const existing = await db.rows<{ n: number | string }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'gold' AND table_name IN (${BASELINE.tables.map((t) => lit(t.name)).join(', ')})`,
    );
    if (Number(existing[0]?.n ?? 0) === 0) {
      // A new warehouse: the setup creates its tables as modelled, at the latest version.
      await db.transaction('migrations-new', [record(LATEST_VERSION, 'created at this version')]);
      return { from: null, to: LATEST_VERSION, applied: [] };
    }
    await db.transaction('migrations-baseline', [record(0, 'baseline: built before versioned migrations')]);
    from = 0;
  }
  if (from > LATEST_VERSION)
    throw new C360Error(
      `the warehouse is at migration ${from}, newer than this release's ${LATEST_VERSION}: deploy the release that made it (or newer)`,
    );
  const applied: number[] = [];
  for (const m of MIGRATIONS.filter((x) => x.version > (from as number))) {
    await db.transaction(`migration-${m.version}`, [
      ...m.steps.flatMap((s) => stepStatements(s, engine, ddl)),
      record(m.version, m.description),
    ]);
    applied.push(m.version);
  }
  return { from, to: LATEST_VERSION, applied };
}
