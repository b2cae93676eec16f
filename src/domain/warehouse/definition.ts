import { createHash } from 'node:crypto';
import { commentStatements, redshiftDdl, stagingDdl, WAREHOUSE_TABLES } from './model';
import { REPORTING_VIEWS, type ReportingView } from './reporting';

/**
 * The warehouse's definition as one fingerprint: every table's Redshift DDL (target and staging)
 * and every reporting view's SQL. template.yaml's `WarehouseSetup` resource carries it, so
 * CloudFormation runs the warehouse setup again exactly when a deploy changes what the setup
 * creates (`node dist/gen-warehouse-setup.mjs` writes it; a test fails when it is stale).
 */
export function warehouseDefinition(views: readonly ReportingView[] = REPORTING_VIEWS): string {
  const h = createHash('sha256');
  for (const t of WAREHOUSE_TABLES)
    h.update(`table\n${redshiftDdl(t)}\n${commentStatements(t).join('\n')}\n${stagingDdl(t, 'redshift')}\n`);
  for (const v of views) h.update(`view ${v.name} ${v.materialized ? 'materialized' : 'plain'}\n${v.sql}\n`);
  return h.digest('hex').slice(0, 16);
}

/** The line of template.yaml that holds the fingerprint (inside the WarehouseSetup resource). */
export const DEFINITION_LINE = /^(\s+Definition: )'?([0-9a-f]*)'?(.*)$/m;

/** Where template.yaml's WarehouseSetup resource starts and ends (up to the next resource), or null. */
function resourceBlock(template: string): { start: number; end: number } | null {
  const start = template.indexOf('\n  WarehouseSetup:\n');
  if (start < 0) return null;
  const next = /\n {2}[A-Za-z]/g;
  next.lastIndex = start + 1;
  const end = next.exec(template)?.index ?? template.length;
  return { start, end };
}

/** template.yaml with the WarehouseSetup fingerprint set to `fingerprint`. */
export function withDefinition(template: string, fingerprint: string): string {
  const block = resourceBlock(template);
  if (!block) throw new Error('template.yaml has no WarehouseSetup resource');
  const body = template.slice(block.start, block.end);
  if (!DEFINITION_LINE.test(body)) throw new Error('WarehouseSetup has no Definition property');
  return (
    template.slice(0, block.start) +
    body.replace(DEFINITION_LINE, `$1'${fingerprint}'$3`) +
    template.slice(block.end)
  );
}

/** The fingerprint template.yaml's WarehouseSetup carries, or null. */
export function definitionInTemplate(template: string): string | null {
  const block = resourceBlock(template);
  return block ? (DEFINITION_LINE.exec(template.slice(block.start, block.end))?.[2] ?? null) : null;
}
