import { createHash } from 'node:crypto';
import { redshiftDdl, stagingDdl, WAREHOUSE_TABLES } from './model';
import { REPORTING_VIEWS, type ReportingView } from './reporting';

/**
 * The warehouse's definition as one fingerprint: every table's Redshift DDL (target and staging)
 * and every reporting view's SQL. template.yaml's `WarehouseSetup` resource carries it, so
 * CloudFormation runs the warehouse setup again exactly when a deploy changes what the setup
 * creates (`node dist/gen-warehouse-setup.mjs` writes it; a test fails when it is stale).
 */
export function warehouseDefinition(views: readonly ReportingView[] = REPORTING_VIEWS): string {
  const h = createHash('sha256');
  for (const t of WAREHOUSE_TABLES) h.update(`table\n${redshiftDdl(t)}\n${stagingDdl(t, 'redshift')}\n`);
  for (const v of views) h.update(`view ${v.name} ${v.materialized ? 'materialized' : 'plain'}\n${v.sql}\n`);
  return h.digest('hex').slice(0, 16);
}

/** The line of template.yaml that holds the fingerprint (inside the WarehouseSetup resource). */
export const DEFINITION_LINE = /^(\s+Definition: )'?([0-9a-f]*)'?(.*)$/m;

/** template.yaml with the WarehouseSetup fingerprint set to `fingerprint`. */
export function withDefinition(template: string, fingerprint: string): string {
  const at = template.indexOf('\n  WarehouseSetup:\n');
  if (at < 0) throw new Error('template.yaml has no WarehouseSetup resource');
  const head = template.slice(0, at);
  const rest = template.slice(at);
  if (!DEFINITION_LINE.test(rest)) throw new Error('WarehouseSetup has no Definition property');
  return head + rest.replace(DEFINITION_LINE, `$1'${fingerprint}'$3`);
}

/** The fingerprint template.yaml's WarehouseSetup carries, or null. */
export function definitionInTemplate(template: string): string | null {
  const at = template.indexOf('\n  WarehouseSetup:\n');
  return at < 0 ? null : (DEFINITION_LINE.exec(template.slice(at))?.[2] ?? null);
}
