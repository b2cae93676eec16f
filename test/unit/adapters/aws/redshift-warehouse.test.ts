import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { RedshiftStatementError, RedshiftWarehouse } from '../../../../src/adapters/aws/redshift-warehouse';
import { WAREHOUSE_TABLES } from '../../../../src/domain/warehouse/model';
import { REPORTING_VIEWS } from '../../../../src/domain/warehouse/reporting';

const rs = mockClient(RedshiftDataClient);
const orders = WAREHOUSE_TABLES.find((t) => t.name === 'fact_orders')!;
const warehouse = () =>
  new RedshiftWarehouse({
    client: new RedshiftDataClient({}),
    workgroupName: 'c360',
    database: 'c360',
    secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:admin',
    copyRoleArn: 'arn:aws:iam::1:role/copy',
    sleep: async () => {},
  });

describe('Redshift loads through the Data API', () => {
  beforeEach(() => rs.reset());

  it('COPY with a manifest into staging, then the merge as one transaction; polls until FINISHED', async () => {
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st-1' });
    rs.on(DescribeStatementCommand)
      .resolvesOnce({ Status: 'SUBMITTED' })
      .resolvesOnce({ Status: 'PICKED' })
      .resolvesOnce({ Status: 'STARTED' })
      .resolves({ Status: 'FINISHED' });
    await warehouse().loadTable(orders, 's3://lake/export/fact_orders/manifest.json', '2026-03-01 06:00:00');
    const calls = rs.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.StatementName)).toEqual(['copy-fact_orders', 'merge-fact_orders']);
    expect(calls[0]?.Sqls?.[1]).toBe(
      "COPY staging.fact_orders FROM 's3://lake/export/fact_orders/manifest.json' IAM_ROLE 'arn:aws:iam::1:role/copy' FORMAT AS PARQUET MANIFEST",
    );
    expect(calls[1]?.Sqls?.[0]).toBe(
      'DELETE FROM gold.fact_orders USING staging.fact_orders s WHERE gold.fact_orders.order_key = s.order_key',
    );
    expect(calls[1]?.Sqls?.[1]).toContain('PARTITION BY order_key');
    expect(calls[1]).toMatchObject({
      WorkgroupName: 'c360',
      Database: 'c360',
      SecretArn: expect.stringContaining('secret'),
    });
  });

  it("a FAILED statement surfaces Redshift's error text and the name of the SQL; ABORTED too", async () => {
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st-2' });
    rs.on(DescribeStatementCommand).resolves({
      Status: 'FAILED',
      Error: 'ERROR: column "order_dat" does not exist',
    });
    const err = await warehouse()
      .loadTable(orders, 's3://m', 'x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedshiftStatementError);
    expect((err as Error).message).toBe(
      'Redshift statement "copy-fact_orders" failed: ERROR: column "order_dat" does not exist',
    );
    rs.on(DescribeStatementCommand).resolves({ Status: 'ABORTED', Error: 'cancelled by user' });
    await expect(warehouse().loadTable(orders, 's3://m', 'x')).rejects.toThrow(
      '"copy-fact_orders" aborted: cancelled by user',
    );
  });

  it('a conflict with a concurrent transaction is retried, then succeeds', async () => {
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st-3' });
    rs.on(DescribeStatementCommand)
      .resolvesOnce({ Status: 'FINISHED' }) // copy
      .resolvesOnce({
        Status: 'FAILED',
        Error:
          'ERROR: 1023 DETAIL: Serializable isolation violation on table - 123, transactions forming the cycle are: 1, 2',
      })
      .resolves({ Status: 'FINISHED' });
    await warehouse().loadTable(orders, 's3://m', 'x');
    expect(rs.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.StatementName)).toEqual([
      'copy-fact_orders',
      'merge-fact_orders',
      'merge-fact_orders',
    ]);
  });

  it('throttling of the Data API is retried; a non-transient error is not', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    rs.on(ExecuteStatementCommand).rejectsOnce(throttled).resolves({ Id: 'st-4' });
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st-5' });
    rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED' });
    rs.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: 'table_name' }, { name: 'table_type' }],
      Records: [[{ stringValue: 'kpis' }, { stringValue: 'VIEW' }]],
    });
    await warehouse().setup({
      glueDatabase: 'c360_lake',
      reportingViews: [{ name: 'kpis', sql: 'SELECT 1 AS one', materialized: false, columns: {} }],
    });
    expect(rs.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.StatementName)).toEqual([
      'create-spectrum-schema',
      'create-spectrum-schema',
      // The migrations: their version (none: this mock answers "kpis" to every query), whether
      // gold has tables (a count of "kpis": not a number, so none), then recorded as new.
      'query',
      'query',
      'migrations-new',
      'query',
      'view-kpis',
      'create-reader-role',
    ]);
    // The reporting reader (QuickSight) gets the reporting views only: gold and staging revoked.
    const grants = rs
      .commandCalls(BatchExecuteStatementCommand)
      .find((c) => c.args[0].input.StatementName === 'grant-reporting')?.args[0].input.Sqls;
    expect(grants).toEqual([
      'REVOKE ALL ON SCHEMA gold FROM ROLE c360_reporting_reader',
      'REVOKE ALL ON SCHEMA staging FROM ROLE c360_reporting_reader',
      'GRANT USAGE ON SCHEMA reporting TO ROLE c360_reporting_reader',
      'GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO ROLE c360_reporting_reader',
    ]);
    expect(
      rs.commandCalls(ExecuteStatementCommand).find((c) => c.args[0].input.StatementName === 'view-kpis')
        ?.args[0].input.Sql,
    ).toBe('CREATE OR REPLACE VIEW reporting.kpis AS SELECT 1 AS one');
    expect(rs.commandCalls(ExecuteStatementCommand)[0]?.args[0].input.Sql).toContain(
      "CREATE EXTERNAL SCHEMA IF NOT EXISTS lake FROM DATA CATALOG DATABASE 'c360_lake'",
    );
    rs.on(ExecuteStatementCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    );
    await expect(warehouse().setup({ glueDatabase: 'x', reportingViews: [] })).rejects.toThrow('denied');
  });

  it('a view that became materialized is dropped and created as a table; refreshes run in one transaction', async () => {
    rs.on(ExecuteStatementCommand).resolves({ Id: 'st-6' });
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st-7' });
    rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED' });
    rs.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: 'table_name' }, { name: 'table_type' }],
      Records: [
        [{ stringValue: 'trends' }, { stringValue: 'VIEW' }],
        [{ stringValue: 'health' }, { stringValue: 'BASE TABLE' }],
      ],
    });
    const views = [
      {
        name: 'trends',
        sql: 'SELECT order_date, count(*) AS orders FROM gold.fact_orders GROUP BY 1',
        materialized: true,
        columns: {},
      },
      { name: 'health', sql: 'SELECT 1 AS one', materialized: false, columns: {} },
      { name: 'fresh', sql: 'SELECT 2 AS two', materialized: true, columns: {} },
    ];
    await warehouse().setup({ glueDatabase: 'c360_lake', reportingViews: views });
    const batches = rs.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input);
    expect(batches.find((b) => b.StatementName === 'view-trends')?.Sqls).toEqual([
      'DROP VIEW reporting.trends',
      'CREATE TABLE reporting.trends AS SELECT order_date, count(*) AS orders FROM gold.fact_orders GROUP BY 1',
    ]);
    expect(batches.find((b) => b.StatementName === 'view-health')?.Sqls).toEqual([
      'DROP TABLE reporting.health',
      'CREATE OR REPLACE VIEW reporting.health AS SELECT 1 AS one',
    ]);
    const single = rs.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
    expect(single.find((c) => c.StatementName === 'view-fresh')?.Sql).toBe(
      'CREATE TABLE reporting.fresh AS SELECT 2 AS two',
    );
    rs.reset();
    rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st-8' });
    rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED' });
    await warehouse().refreshReporting();
    const refresh = rs.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input);
    expect(refresh).toHaveLength(1);
    const materialized = REPORTING_VIEWS.filter((v) => v.materialized);
    expect(materialized.length).toBeGreaterThan(0);
    expect(refresh[0]?.Sqls).toEqual(
      materialized.flatMap((v) => [
        `DELETE FROM reporting.${v.name}`,
        `INSERT INTO reporting.${v.name} ${v.sql}`,
      ]),
    );
  });
});
