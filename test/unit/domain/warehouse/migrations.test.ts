import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BASELINE,
  LATEST_VERSION,
  MIGRATIONS,
  shapeOf,
  shapesAt,
  stepStatements,
} from '../../../../src/domain/warehouse/migrations';
import { duckdbDdl, redshiftDdl, WAREHOUSE_TABLES } from '../../../../src/domain/warehouse/model';
import { testRedshift } from '../../../helpers/redshift';

describe('warehouse migrations', () => {
  it('every change to an existing table of the model since the baseline is a migration: the baseline replayed through them is the model', () => {
    const replayed = shapesAt(LATEST_VERSION);
    for (const t of WAREHOUSE_TABLES) {
      const at = replayed.get(t.name);
      // A table new since the baseline is created as modelled and needs no migration.
      if (at) expect([t.name, at]).toEqual([t.name, shapeOf(t)]);
    }
    // Every baseline table is still in the model (dropping one would need a migration too).
    expect(
      BASELINE.tables.map((t) => t.name).filter((n) => !WAREHOUSE_TABLES.some((t) => t.name === n)),
    ).toEqual([]);
  });

  it('versions count up from 1; an added column allows NULL (the table has rows); the baseline alone is not the model', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
    for (const m of MIGRATIONS)
      for (const s of m.steps)
        if ('addColumn' in s) {
          const t = WAREHOUSE_TABLES.find((x) => x.name === s.addColumn.table);
          expect(t?.columns.find((c) => c.name === s.addColumn.column)?.notNull).not.toBe(true);
        }
    const realtime = WAREHOUSE_TABLES.find((t) => t.name === 'realtime_minute');
    expect(shapesAt(0).get('realtime_minute')).not.toEqual(realtime && shapeOf(realtime));
  });

  it('renders an added column in each engine, and a rebuild as a deep copy that keeps the columns both have', () => {
    const add = { addColumn: { table: 'realtime_minute', column: 'repeated_orders' } };
    // The load's staging copy is dropped, for the setup to create it again with the column.
    expect(stepStatements(add, 'redshift', redshiftDdl)).toEqual([
      'ALTER TABLE gold.realtime_minute ADD COLUMN repeated_orders BIGINT',
      'DROP TABLE IF EXISTS staging.realtime_minute',
    ]);
    expect(stepStatements(add, 'duckdb', duckdbDdl)).toEqual([
      'ALTER TABLE gold.realtime_minute ADD COLUMN repeated_orders BIGINT',
      'DROP TABLE IF EXISTS staging.realtime_minute',
    ]);
    const rebuild = stepStatements({ rebuild: { table: 'realtime_minute' } }, 'redshift', redshiftDdl);
    const baseline = BASELINE.tables.find((t) => t.name === 'realtime_minute')?.columns.map(([n]) => n) ?? [];
    expect(rebuild[0]).toBe('DROP TABLE IF EXISTS gold.realtime_minute__migrating');
    expect(rebuild[1]).toContain('CREATE TABLE IF NOT EXISTS gold.realtime_minute__migrating');
    expect(rebuild[1]).toContain('repeated_orders BIGINT');
    expect(rebuild[2]).toBe(
      `INSERT INTO gold.realtime_minute__migrating (${baseline.join(', ')}) SELECT ${baseline.join(', ')} FROM gold.realtime_minute`,
    );
    expect(rebuild.slice(3)).toEqual([
      'DROP TABLE gold.realtime_minute CASCADE',
      'ALTER TABLE gold.realtime_minute__migrating RENAME TO realtime_minute',
      'DROP TABLE IF EXISTS staging.realtime_minute',
    ]);
    expect(() => stepStatements({ addColumn: { table: 'nope', column: 'x' } }, 'duckdb', duckdbDdl)).toThrow(
      'does not have',
    );
  });
});

describe('warehouse migrations through the Data API', () => {
  const rs = mockClient(RedshiftDataClient);
  beforeEach(() => rs.reset());

  it('a warehouse the previous release built (no migrations table, gold tables present) is recorded at the baseline and migrated, each migration one transaction with its row', async () => {
    rs.on(ExecuteStatementCommand).resolves({ Id: 'q' });
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'b' });
    rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED', HasResultSet: true });
    rs.on(GetStatementResultCommand)
      // max(version): none recorded
      .resolvesOnce({ ColumnMetadata: [{ name: 'v' }], Records: [[{ isNull: true }]] })
      // the previous release's gold tables are there
      .resolvesOnce({ ColumnMetadata: [{ name: 'n' }], Records: [[{ longValue: BASELINE.tables.length }]] })
      // the reporting relations (none yet)
      .resolves({ ColumnMetadata: [{ name: 'table_name' }, { name: 'table_type' }], Records: [] });
    await testRedshift().setup({ glueDatabase: 'c360_lake', reportingViews: [] });
    // Every statement sent, in order (one statement goes as ExecuteStatement, several as a batch).
    const sent = rs
      .calls()
      .map((c) => c.args[0].input as { StatementName?: string; Sql?: string; Sqls?: string[] })
      .filter((i) => i.StatementName);
    const names = sent.map((i) => i.StatementName).filter((n) => n !== 'query');
    expect(names.slice(0, 5)).toEqual([
      'create-schemas',
      'create-spectrum-schema',
      'migrations-table',
      'migrations-baseline',
      'migration-1',
    ]);
    const byName = (n: string) => sent.find((i) => i.StatementName === n);
    expect(byName('migrations-baseline')?.Sql).toMatch(
      /^INSERT INTO c360_meta\.schema_migrations .* VALUES \(0, /,
    );
    expect(byName('migration-1')?.Sqls).toEqual([
      'ALTER TABLE gold.realtime_minute ADD COLUMN repeated_orders BIGINT',
      'DROP TABLE IF EXISTS staging.realtime_minute',
      expect.stringMatching(
        /^INSERT INTO c360_meta\.schema_migrations .* VALUES \(1, 'gold\.realtime_minute\.repeated_orders/,
      ),
    ]);
    // Then the tables as modelled (new ones only: IF NOT EXISTS), after the migrations.
    expect(names.indexOf('create-realtime_minute')).toBeGreaterThan(names.indexOf('migration-1'));
  });

  it('a warehouse at the latest version is left alone; one newer than this release is refused', async () => {
    rs.on(ExecuteStatementCommand).resolves({ Id: 'q' });
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'b' });
    rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED', HasResultSet: true });
    rs.on(GetStatementResultCommand)
      .resolvesOnce({ ColumnMetadata: [{ name: 'v' }], Records: [[{ longValue: LATEST_VERSION }]] })
      .resolves({ ColumnMetadata: [{ name: 'table_name' }, { name: 'table_type' }], Records: [] });
    await testRedshift().setup({ glueDatabase: 'c360_lake', reportingViews: [] });
    const names = rs.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.StatementName);
    expect(names.filter((n) => n?.startsWith('migration'))).toEqual(['migrations-table']);

    rs.reset();
    rs.on(ExecuteStatementCommand).resolves({ Id: 'q' });
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'b' });
    rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED', HasResultSet: true });
    rs.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: 'v' }],
      Records: [[{ longValue: LATEST_VERSION + 1 }]],
    });
    await expect(testRedshift().setup({ glueDatabase: 'c360_lake', reportingViews: [] })).rejects.toThrow(
      `newer than this release's ${LATEST_VERSION}`,
    );
  });
});
