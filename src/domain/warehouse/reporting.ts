/**
 * The reporting layer the dashboards read (sql/warehouse/reporting/*.sql, one SELECT per file,
 * compiled into reporting.generated.ts so Lambdas carry it). A file whose header has a
 * `-- materialized:` line is pre-aggregated: a table (same name, same columns) refilled from its
 * SELECT after every warehouse load and every erasure (and, for the real-time trends, by the
 * real-time Lambda as it writes its windows), in the same transaction as the change in Redshift
 * and DuckDB alike, so a dashboard reads a few rows instead of scanning the facts. The others stay
 * plain views (small inputs). Every column is described in the header (`-- column <name>: <text>`):
 * QuickSight's datasets and docs/warehouse-tables.md show those descriptions.
 */
import { lit } from '../sql';
import { REPORTING_FILES } from './reporting.generated';

export interface ReportingView {
  name: string;
  /** The SELECT, comments removed. */
  sql: string;
  materialized: boolean;
  /** Each column's description, from the header's `-- column <name>: <text>` lines. */
  columns: Record<string, string>;
}

const NAME = /^[a-z_][a-z0-9_]*$/;

export function parseReportingFile(name: string, text: string): ReportingView {
  if (!NAME.test(name)) throw new Error(`reporting view name "${name}" must be a lower-case identifier`);
  const header = text.match(/^(?:--.*\n)*/)?.[0] ?? '';
  return {
    name,
    sql: text.replace(/^\s*--.*$/gm, '').trim(),
    materialized: /^-- materialized:/m.test(header),
    columns: Object.fromEntries(
      [...header.matchAll(/^-- column ([a-z_][a-z0-9_]*): (.+)$/gm)].map((m) => [
        m[1] as string,
        m[2] as string,
      ]),
    ),
  };
}

/** The reporting relations a SELECT reads. */
export const dependencies = (v: ReportingView): string[] => [
  ...new Set([...v.sql.matchAll(/\breporting\.([a-z_][a-z0-9_]*)/g)].map((m) => m[1] as string)),
];

/**
 * Views in the order to create and refill them: every relation after the ones it reads (a
 * pre-aggregate of customer_lifetime_value after it), otherwise by name. A view may not read a
 * materialized table (recreating the table would have to drop the view), and there are no cycles.
 */
export function orderViews(views: ReportingView[]): ReportingView[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  for (const v of views) {
    for (const d of dependencies(v)) {
      const dep = byName.get(d);
      if (!dep) throw new Error(`reporting.${v.name} reads reporting.${d}, which is not defined`);
      if (!v.materialized && dep.materialized)
        throw new Error(
          `reporting.${v.name} is a view over the materialized reporting.${d}: materialize it too`,
        );
    }
  }
  const out: ReportingView[] = [];
  const done = new Set<string>();
  const pending = [...views].sort((a, b) => a.name.localeCompare(b.name));
  while (pending.length) {
    const i = pending.findIndex((v) => dependencies(v).every((d) => done.has(d)));
    if (i < 0)
      throw new Error(`reporting views read each other in a cycle: ${pending.map((v) => v.name).join(', ')}`);
    const [v] = pending.splice(i, 1) as [ReportingView];
    out.push(v);
    done.add(v.name);
  }
  return out;
}

export const REPORTING_VIEWS: ReportingView[] = orderViews(
  Object.entries(REPORTING_FILES).map(([name, text]) => parseReportingFile(name, text)),
);

/**
 * Refills every materialized reporting table from its SELECT, in dependency order: DELETE then
 * INSERT, to run inside the caller's transaction (readers see the old rows or the new, never
 * none; grants stay).
 */
export function refreshStatements(views: ReportingView[] = REPORTING_VIEWS): string[] {
  return views
    .filter((v) => v.materialized)
    .flatMap((v) => [`DELETE FROM reporting.${v.name}`, `INSERT INTO reporting.${v.name} ${v.sql}`]);
}

/**
 * The materialized reporting tables that depend on a warehouse table (directly or through other
 * reporting tables), in refill order: what a writer outside the loads (the real-time Lambda)
 * refills in the transaction that changes the table.
 */
export function viewsReading(table: string, views: ReportingView[] = REPORTING_VIEWS): ReportingView[] {
  const reads = new RegExp(`\\bgold\\.${table}\\b`);
  const affected = new Set<string>();
  for (const v of views) {
    if (reads.test(v.sql) || dependencies(v).some((d) => affected.has(d))) affected.add(v.name);
  }
  return views.filter((v) => v.materialized && affected.has(v.name));
}

/**
 * The statements that (re)create one reporting relation, given what the schema holds now
 * ('VIEW', 'TABLE' or absent): a view is replaced in place; a materialized one is created as a
 * table filled from its SELECT. A relation of the other kind is dropped first (a view that became
 * materialized, or back).
 */
export function createStatements(v: ReportingView, existing: 'VIEW' | 'TABLE' | undefined): string[] {
  const name = `reporting.${v.name}`;
  if (!v.materialized) {
    return [
      ...(existing === 'TABLE' ? [`DROP TABLE ${name}`] : []),
      `CREATE OR REPLACE VIEW ${name} AS ${v.sql}`,
    ];
  }
  return [...(existing ? [`DROP ${existing} ${name}`] : []), `CREATE TABLE ${name} AS ${v.sql}`];
}

/**
 * What the reporting schema holds now, name → VIEW or TABLE (information_schema's table_type;
 * the same query in DuckDB and Redshift): `db` is the embedded engine or the Redshift loader.
 */
export async function reportingRelations(db: {
  rows<T>(sql: string): Promise<T[]>;
}): Promise<Map<string, 'VIEW' | 'TABLE'>> {
  const rows = await db.rows<{ table_name: string; table_type: string }>(
    `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = ${lit('reporting')}`,
  );
  return new Map(rows.map((r) => [r.table_name, /view/i.test(r.table_type) ? 'VIEW' : 'TABLE']));
}

/** reporting.generated.ts from the SQL files' texts (scripts/gen-reference.ts writes it; a test checks it). */
export function renderReportingModule(files: Record<string, string>): string {
  const entries = Object.keys(files)
    .sort()
    .map((name) => `  ${name}: ${JSON.stringify(files[name])},\n`)
    .join('');
  return `// Generated from sql/warehouse/reporting/*.sql by scripts/gen-reference.ts: do not edit.\nexport const REPORTING_FILES: Record<string, string> = {\n${entries}};\n`;
}
