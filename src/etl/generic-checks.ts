import { C360Error } from '../domain/errors';
import type { PipelineStep } from './plan';

/**
 * Generic data quality tests, declared on a check step of sql/pipeline.json instead of written
 * as SQL (as dbt declares them beside its models):
 *
 *   "on": "fact_orders", "test": { "unique": "order_key" }
 *   "on": "silver_events", "test": { "not_null": ["event_id", "ts"] }
 *   "on": "fact_orders", "test": { "accepted_values": { "column": "status", "values": ["paid"] } }
 *   "on": "fact_orders", "test": { "relationships": { "column": "customer_id", "to": "dim_customer", "field": "customer_id" } }
 *
 * `npm run gen` renders each into the step's SQL file (the Spark-compatible subset both engines
 * run), headed by its `rule`: the DuckDB runner and the Glue job read the same file, as for every
 * other step. Each returns `failures` (offending rows) and an `example` value.
 */
export type GenericTest =
  | { unique: string }
  | { not_null: string[] }
  | { accepted_values: { column: string; values: string[] } }
  | { relationships: { column: string; to: string; field: string } };

const IDENT = /^[a-z_][a-z0-9_]*$/;
const ident = (step: string, v: string) => {
  if (!IDENT.test(v)) throw new C360Error(`step ${step}: "${v}" is not a column or relation name`);
  return v;
};
const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

export function renderGenericTest(step: Parameters<typeof renderBody>[0]): string {
  return `${renderBody(step)}-- Generated from sql/pipeline.json (step ${step.name}) by npm run gen: edit the declaration, not this file.\n`;
}

function renderBody(step: PipelineStep & { on?: string; test?: GenericTest; rule?: string }): string {
  if (!step.test || !step.on || !step.rule)
    throw new C360Error(`step ${step.name}: a generic test needs "on", "test" and "rule"`);
  const on = ident(step.name, step.on);
  const t = step.test;
  const header = `-- ${step.rule}\n`;
  if ('unique' in t) {
    const c = ident(step.name, t.unique);
    return `${header}SELECT count(*) AS failures, min(${c}) AS example FROM (
  SELECT ${c} FROM ${on} GROUP BY ${c} HAVING count(*) > 1
) d
`;
  }
  if ('not_null' in t) {
    const cols = t.not_null.map((c) => ident(step.name, c));
    if (cols.length === 0) throw new C360Error(`step ${step.name}: not_null names no column`);
    return `${header}SELECT count(*) AS failures, CAST(NULL AS STRING) AS example FROM ${on}
WHERE ${cols.map((c) => `${c} IS NULL`).join(' OR ')}
`;
  }
  if ('accepted_values' in t) {
    const c = ident(step.name, t.accepted_values.column);
    if (t.accepted_values.values.length === 0)
      throw new C360Error(`step ${step.name}: accepted_values lists no value`);
    return `${header}SELECT count(*) AS failures, min(${c}) AS example FROM ${on}
WHERE ${c} IS NOT NULL AND ${c} NOT IN (${t.accepted_values.values.map(quote).join(', ')})
`;
  }
  const { column, to, field } = t.relationships;
  const [c, target, f] = [ident(step.name, column), ident(step.name, to), ident(step.name, field)];
  return `${header}SELECT count(*) AS failures, min(s.${c}) AS example
FROM ${on} s
LEFT JOIN ${target} t ON t.${f} = s.${c}
WHERE s.${c} IS NOT NULL AND t.${f} IS NULL
`;
}
