import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { PostgreSQL, SparkSQL } from 'dt-sql-parser';
import { dashboardLatencySql } from '../../src/domain/warehouse/dashboard-latency';
import { WAREHOUSE_TABLES } from '../../src/domain/warehouse/model';
import { warehouseDeletes } from '../../src/handlers/privacy-steps';
import { testRedshift } from '../helpers/redshift';

/**
 * No Spark and no Redshift run on this machine, so the SQL they would run is checked by real
 * grammars (dt-sql-parser's ANTLR grammars): every statement the Glue/EMR job runs, as it renders
 * them (glue/run_sql.py executed by pytest against a recording SparkSession: glue/tests), by the
 * Spark SQL grammar; every statement the warehouse adapter sends to Redshift (setup, loads,
 * merges, reporting refresh, erasure, the dashboard-latency read) by the PostgreSQL grammar
 * Redshift's dialect derives from.
 */
const root = join(__dirname, '../..');

function pytest(): string[] {
  const out = join(mkdtempSync(join(tmpdir(), 'c360-spark-sql-')), 'statements.json');
  const r = spawnSync('python3', ['-m', 'pytest', 'glue/tests', '-q', '-p', 'no:cacheprovider'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, C360_SPARK_SQL_OUT: out },
  });
  if (r.error) throw new Error(`python3 could not run (${r.error.message}): the CI machine image has it`);
  if (r.status !== 0) throw new Error(`pytest glue/tests failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

const errorsOf = (parser: { validate(sql: string): { message: string }[] }, sql: string) =>
  parser.validate(sql).map((e) => e.message);

describe('SQL checked by real grammars', () => {
  it('the Glue job (pytest: its control flow) runs statements that all parse as Spark SQL', () => {
    const statements = pytest();
    // Every plan step plus the script's own source registrations.
    const plan = JSON.parse(readFileSync(join(root, 'sql', 'pipeline.json'), 'utf8')) as { steps: unknown[] };
    expect(statements.length).toBeGreaterThan(plan.steps.length);
    const spark = new SparkSQL();
    const bad = statements
      .map((sql) => ({ sql: sql.slice(0, 120), errors: errorsOf(spark, sql) }))
      .filter((s) => s.errors.length);
    expect(bad).toEqual([]);
  });

  it('the grammars refuse what the engines would (a DuckDB-only cast, a missing table)', () => {
    const spark = new SparkSQL();
    expect(errorsOf(spark, 'SELECT a::INT FROM t')).not.toEqual([]);
    expect(errorsOf(spark, 'SELECT a FROM WHERE b = 1')).not.toEqual([]);
    expect(
      errorsOf(spark, "SELECT a FROM t LATERAL VIEW explode(xs) x AS i WHERE dt = '2026-01-01'"),
    ).toEqual([]);
  });

  it('every statement the warehouse adapter sends to Redshift parses as PostgreSQL', async () => {
    const rs = mockClient(RedshiftDataClient);
    try {
      rs.on(BatchExecuteStatementCommand).resolves({ Id: 'st' });
      rs.on(ExecuteStatementCommand).resolves({ Id: 'st' });
      rs.on(DescribeStatementCommand).resolves({ Status: 'FINISHED', HasResultSet: true });
      rs.on(GetStatementResultCommand).resolves({ Records: [], ColumnMetadata: [] });
      const wh = testRedshift();
      await wh.setup({ glueDatabase: 'c360_prod' });
      for (const t of WAREHOUSE_TABLES)
        await wh.loadTable(t, 's3://lake/export/x/manifest.json', '2026-03-01 06:00:00');
      await wh.refreshReporting();
      const sent = [
        ...rs.commandCalls(BatchExecuteStatementCommand).flatMap((c) => c.args[0].input.Sqls ?? []),
        ...rs.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.Sql ?? ''),
        ...warehouseDeletes(['cust-1', "o'brien"]),
        dashboardLatencySql(5),
      ];
      expect(sent.length).toBeGreaterThan(WAREHOUSE_TABLES.length * 3);
      const pg = new PostgreSQL();
      // Redshift's own extensions (distribution and sort keys, COPY options, roles, the external
      // Spectrum schema) are taken out before parsing; the statement around them must still parse.
      // DOUBLE PRECISION is valid PostgreSQL the grammar trips on: its synonym FLOAT8 instead.
      const redshiftOnly = (sql: string) =>
        sql
          .replace(
            /\s+(DISTSTYLE\s+\w+|DISTKEY\s*\(\w+\)|(COMPOUND\s+)?SORTKEY\s*\([^)]*\)|ENCODE\s+\w+)/gi,
            '',
          )
          .replace(/\s+IAM_ROLE\s+('[^']*'|default)|\s+FORMAT AS PARQUET|\s+MANIFEST\b/gi, '')
          .replace(
            /^CREATE EXTERNAL SCHEMA (IF NOT EXISTS \w+) FROM DATA CATALOG DATABASE '[^']*'/i,
            'CREATE SCHEMA $1',
          )
          .replace(/\b(TO|FROM) ROLE\b/gi, '$1')
          // PostgreSQL (and Redshift) take a schema-qualified column, schema.table.column, which
          // this grammar reads as a three-part relation missing its column: the schema is dropped.
          .replace(/^COMMENT ON COLUMN \w+\.(\w+\.\w+) IS/i, 'COMMENT ON COLUMN $1 IS')
          .replace(/\bDOUBLE PRECISION\b/gi, 'FLOAT8');
      const bad = sent
        .map((sql) => ({ sql: sql.slice(0, 160), errors: errorsOf(pg, redshiftOnly(sql)) }))
        .filter((s) => s.errors.length);
      expect(bad).toEqual([]);
    } finally {
      rs.restore();
    }
  });
});
