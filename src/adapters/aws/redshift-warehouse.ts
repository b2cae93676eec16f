import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { C360Error, DownstreamUnavailableError } from '../../domain/errors';
import { lit } from '../../domain/sql';
import { migrate } from '../../domain/warehouse/migrations';
import {
  commentStatements,
  mergeStatements,
  redshiftDdl,
  stagingDdl,
  stagingName,
  WAREHOUSE_TABLES,
  type WarehouseTable,
} from '../../domain/warehouse/model';
import {
  createStatements,
  REPORTING_VIEWS,
  type ReportingView,
  refreshStatements,
  reportingRelations,
  viewsReading,
} from '../../domain/warehouse/reporting';
import { backoffDelay, defaultSleep } from '../retry';

/**
 * Loads gold into Redshift through the Data API: COPY the table's export Parquet (listed by a
 * manifest) into its staging table, then merge staging into the target in one transaction
 * (BatchExecuteStatement runs its statements as one transaction). Statements are polled with
 * DescribeStatement and backoff; a FAILED or ABORTED statement surfaces Redshift's error text and
 * the name of the SQL that failed; "conflict with concurrent transaction" (serializable
 * isolation) and throttling are retried.
 */
export interface RedshiftTarget {
  /** Redshift Serverless workgroup, or a provisioned cluster id. */
  workgroupName?: string;
  clusterIdentifier?: string;
  database: string;
  /** Secrets Manager ARN with the admin credentials. */
  secretArn: string;
}

export class RedshiftStatementError extends C360Error {
  override name = 'RedshiftStatementError';
  constructor(
    readonly sqlName: string,
    readonly statementStatus: string,
    readonly redshiftError: string,
  ) {
    super(`Redshift statement "${sqlName}" ${statementStatus.toLowerCase()}: ${redshiftError}`);
  }
}

const CONFLICT = /conflict with concurrent transaction|serializable isolation violation/i;

export interface RedshiftWarehouseOptions extends RedshiftTarget {
  client?: RedshiftDataClient;
  /** IAM role Redshift assumes to read the lake (COPY). */
  copyRoleArn: string;
  maxAttempts?: number;
  pollBaseMs?: number;
  pollMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** One Data API field → its value. */
function fieldValue(f: Field): string | number | boolean | null {
  if (f.isNull) return null;
  if (f.stringValue !== undefined) return f.stringValue;
  if (f.longValue !== undefined) return f.longValue;
  if (f.doubleValue !== undefined) return f.doubleValue;
  if (f.booleanValue !== undefined) return f.booleanValue;
  return null;
}

export class RedshiftWarehouse {
  private readonly client: RedshiftDataClient;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: RedshiftWarehouseOptions) {
    this.client = o.client ?? new RedshiftDataClient({});
    this.sleep = o.sleep ?? defaultSleep;
  }

  private target() {
    return {
      Database: this.o.database,
      SecretArn: this.o.secretArn,
      ...(this.o.workgroupName ? { WorkgroupName: this.o.workgroupName } : {}),
      ...(this.o.clusterIdentifier ? { ClusterIdentifier: this.o.clusterIdentifier } : {}),
    };
  }

  /** Polls a statement to the end; FINISHED resolves, FAILED/ABORTED throw with Redshift's text. */
  private async wait(id: string, sqlName: string): Promise<void> {
    for (let poll = 0; ; poll++) {
      const d = await this.client.send(new DescribeStatementCommand({ Id: id }));
      switch (d.Status) {
        case 'FINISHED':
          return;
        case 'FAILED':
        case 'ABORTED':
          throw new RedshiftStatementError(sqlName, d.Status, d.Error ?? '(no error text)');
        default: // SUBMITTED, PICKED, STARTED
          await this.sleep(
            Math.max(
              50,
              backoffDelay(Math.min(poll, 8), this.o.pollBaseMs ?? 200, this.o.pollMaxMs ?? 5_000),
            ),
          );
      }
    }
  }

  /** Runs one named unit (a statement or a transaction of several), retrying what is transient. */
  private async run(sqlName: string, sqls: string[]): Promise<void> {
    const attempts = this.o.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        const res =
          sqls.length === 1
            ? await this.client.send(
                new ExecuteStatementCommand({ ...this.target(), Sql: sqls[0], StatementName: sqlName }),
              )
            : await this.client.send(
                new BatchExecuteStatementCommand({ ...this.target(), Sqls: sqls, StatementName: sqlName }),
              );
        if (!res.Id) throw new C360Error(`the Data API returned no statement id for "${sqlName}"`);
        await this.wait(res.Id, sqlName);
        return;
      } catch (err) {
        const transient =
          (err instanceof RedshiftStatementError && CONFLICT.test(err.redshiftError)) ||
          (err instanceof Error && /Throttl|TooManyRequests|ActiveStatementsExceeded/i.test(err.name));
        if (!transient) throw err;
        if (attempt >= attempts) {
          throw new DownstreamUnavailableError(
            `"${sqlName}" still failing after ${attempts} attempts: ${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
        await this.sleep(backoffDelay(attempt, 500, 20_000));
      }
    }
  }

  /** Schemas, tables (from the model), staging twins and the Spectrum schema over the Glue catalog. */
  async setup(opts: {
    glueDatabase: string;
    /** The catalog database of the lake's gold (its crawler's): the reconciliation reads it as lake_gold. */
    goldGlueDatabase?: string;
    /** The reporting layer (default: sql/warehouse/reporting/). */
    reportingViews?: ReportingView[];
    /** The role QuickSight's database user holds: it reads the reporting views and nothing else. */
    readerRole?: string;
  }): Promise<void> {
    await this.run('create-schemas', [
      'CREATE SCHEMA IF NOT EXISTS gold',
      'CREATE SCHEMA IF NOT EXISTS staging',
      'CREATE SCHEMA IF NOT EXISTS reporting',
    ]);
    await this.run('create-spectrum-schema', [
      `CREATE EXTERNAL SCHEMA IF NOT EXISTS lake FROM DATA CATALOG DATABASE '${opts.glueDatabase}' IAM_ROLE '${this.o.copyRoleArn}'`,
      ...(opts.goldGlueDatabase
        ? [
            `CREATE EXTERNAL SCHEMA IF NOT EXISTS lake_gold FROM DATA CATALOG DATABASE '${opts.goldGlueDatabase}' IAM_ROLE '${this.o.copyRoleArn}'`,
          ]
        : []),
    ]);
    // A warehouse an earlier release built: its tables brought to the model first, each
    // migration in one transaction (BatchExecuteStatement) with its row in c360_meta.schema_migrations.
    await migrate(
      { rows: (sql) => this.rows(sql), transaction: (label, sqls) => this.run(label, sqls) },
      'redshift',
      redshiftDdl,
    );
    for (const t of WAREHOUSE_TABLES) {
      await this.run(`create-${t.name}`, [
        redshiftDdl(t),
        ...commentStatements(t),
        stagingDdl(t, 'redshift'),
      ]);
    }
    // Standard (schema-bound) views and materialized tables: a reader needs SELECT on them only,
    // never on gold. A materialized table is created again from its SELECT (its columns may have
    // changed); each load refills it (refreshReporting).
    const existing = await reportingRelations(this);
    for (const v of opts.reportingViews ?? REPORTING_VIEWS) {
      await this.run(`view-${v.name}`, createStatements(v, existing.get(v.name)));
    }
    const role = opts.readerRole ?? 'c360_reporting_reader';
    if (!/^[a-z_][a-z0-9_]*$/.test(role))
      throw new C360Error(`the reader role must be a plain identifier, got "${role}"`);
    try {
      await this.run('create-reader-role', [`CREATE ROLE ${role}`]);
    } catch (err) {
      if (!(err instanceof RedshiftStatementError && /already exists/i.test(err.redshiftError))) throw err;
    }
    await this.run('grant-reporting', [
      `REVOKE ALL ON SCHEMA gold FROM ROLE ${role}`,
      `REVOKE ALL ON SCHEMA staging FROM ROLE ${role}`,
      `GRANT USAGE ON SCHEMA reporting TO ROLE ${role}`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO ROLE ${role}`,
    ]);
  }

  /** Refills the materialized reporting tables from the loaded tables, in one transaction. */
  async refreshReporting(views: ReportingView[] = REPORTING_VIEWS): Promise<void> {
    const sqls = refreshStatements(views);
    if (sqls.length) await this.run('refresh-reporting', sqls);
  }

  /**
   * Loads one table: COPY its export Parquet (manifest) into staging, then merge in one
   * transaction. The staging table is emptied inside the same transaction, so a retry starts clean.
   */
  async loadTable(
    t: WarehouseTable,
    manifestUrl: string,
    loadedAt: string,
    format: 'parquet' | 'csv' = 'parquet',
  ): Promise<void> {
    // CSV files (the scoring Map's) have a header and the table's columns by name, in its order.
    const copy =
      format === 'csv'
        ? `COPY ${stagingName(t)} (${t.columns.map((c) => c.name).join(', ')}) FROM '${manifestUrl}' IAM_ROLE '${this.o.copyRoleArn}' FORMAT AS CSV IGNOREHEADER 1 MANIFEST`
        : `COPY ${stagingName(t)} FROM '${manifestUrl}' IAM_ROLE '${this.o.copyRoleArn}' FORMAT AS PARQUET MANIFEST`;
    await this.run(`copy-${t.name}`, [`DELETE FROM ${stagingName(t)}`, copy]);
    await this.run(`merge-${t.name}`, mergeStatements(t, loadedAt));
  }

  /**
   * A query's rows as records (column name → value), every result page read: the Data API's
   * typed fields become strings (text, DECIMAL, dates: exact as Redshift prints them), numbers
   * (integers, floats), booleans or null; the reports take the same shapes from DuckDB.
   */
  async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const res = await this.client.send(
      new ExecuteStatementCommand({ ...this.target(), Sql: sql, StatementName: 'query' }),
    );
    if (!res.Id) throw new C360Error('the Data API returned no statement id for a query');
    await this.wait(res.Id, 'query');
    const out: T[] = [];
    let next: string | undefined;
    let names: string[] = [];
    do {
      const page = await this.client.send(new GetStatementResultCommand({ Id: res.Id, NextToken: next }));
      if (page.ColumnMetadata?.length) names = page.ColumnMetadata.map((c) => c.label ?? c.name ?? '');
      for (const record of page.Records ?? []) {
        out.push(Object.fromEntries(record.map((f, i) => [names[i] ?? `col${i}`, fieldValue(f)])) as T);
      }
      next = page.NextToken;
    } while (next);
    return out;
  }

  /**
   * Writes rows straight into a table, replacing rows with the same key, and refills the
   * reporting tables over it, in one transaction (the real-time windows: a handful of rows a
   * minute per shard, no file to COPY). Values are rendered as literals by the table model's
   * column types.
   */
  async upsertRows(t: WarehouseTable, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const value = (type: string, v: unknown): string => {
      if (v === null || v === undefined) return 'NULL';
      if (type === 'super') return `JSON_PARSE(${lit(typeof v === 'string' ? v : JSON.stringify(v))})`;
      if (type === 'boolean') return v ? 'TRUE' : 'FALSE';
      if (type === 'bigint' || type === 'int' || type === 'double') {
        if (!Number.isFinite(Number(v))) throw new C360Error(`${t.name}: ${String(v)} is not a number`);
        return String(Number(v));
      }
      if (type === 'money') {
        if (!/^-?\d+(\.\d+)?$/.test(String(v)))
          throw new C360Error(`${t.name}: ${String(v)} is not an amount`);
        return String(v);
      }
      if (type === 'timestamp')
        return `CAST(${lit(String(v).replace('T', ' ').replace('Z', ''))} AS TIMESTAMP)`;
      return lit(String(v));
    };
    const target = `${t.schema}.${t.name}`;
    // The pre-aggregated reporting tables over this table follow it in the same transaction.
    const refills = refreshStatements(viewsReading(t.name));
    const keyOf = (r: Record<string, unknown>) =>
      `(${t.key.map((k) => `${k} = ${value(t.columns.find((c) => c.name === k)?.type ?? 'varchar', r[k])}`).join(' AND ')})`;
    await this.run(`upsert-${t.name}`, [
      `DELETE FROM ${target} WHERE ${rows.map(keyOf).join(' OR ')}`,
      `INSERT INTO ${target} (${t.columns.map((c) => c.name).join(', ')}) VALUES ${rows
        .map((r) => `(${t.columns.map((c) => value(c.type, r[c.name])).join(', ')})`)
        .join(', ')}`,
      ...refills,
    ]);
  }
}
