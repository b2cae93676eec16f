import { join } from 'node:path';
import { loadJsonConfig } from '../config/json-config';
import { C360Error } from '../domain/errors';
import { projectRoot } from '../paths';

/**
 * The ETL plan (sql/pipeline.json) and what a run reports: shared by the DuckDB runner
 * (runner.ts), lineage (lineage.ts) and the tools that read the plan.
 */
export interface PipelineStep {
  name: string;
  layer: 'silver' | 'gold';
  kind: 'partitioned' | 'table' | 'keyed' | 'temp' | 'iterate' | 'check' | 'warn';
  sql: string;
  step?: string;
  path?: string;
  /** keyed: the column whose values a run recomputes. */
  key?: string;
  /** keyed: the temp step listing the touched values of `key`. */
  touched?: string;
  /** Parameters of this step's SQL (`${name}`), beside the run's: one SQL file serves several steps. */
  params?: Record<string, string>;
  /**
   * table: history that outlives silver. Rows whose `date` is before silver's oldest event date
   * (what silver's retention has not expired) are kept as stored, and their `key`s are not taken
   * from the recomputation; newer rows are recomputed from silver as usual. `prefer`: whose row
   * wins for a key both hold (default stored: a fact whose early events silver no longer holds).
   */
  retain?: { date: string; key: string; prefer?: 'stored' | 'recomputed' };
}

export interface StepReport {
  name: string;
  kind: PipelineStep['kind'];
  rows: number;
  ms: number;
  iterations?: number;
  /** keyed steps run incrementally: the rows recomputed (the rest of `rows` were kept). */
  recomputed?: number;
}

export interface EtlReport {
  from: string;
  to: string;
  bronzeFiles: number;
  /** Parsing the run's bronze (gzip NDJSON) into the engine, once for every step that reads it. */
  bronzeMs: number;
  steps: StepReport[];
  /** Bronze lines the engine could not read, parked in quarantine instead of stopping the run. */
  parked?: number;
  /** Data quality warnings (warn steps with offending rows): the run still published. */
  warnings: { check: string; failures: number; example: string | null; rule: string }[];
  ms: number;
}

export async function loadPlan(root = projectRoot()): Promise<PipelineStep[]> {
  return loadJsonConfig<{ steps: PipelineStep[] }>(join(root, 'sql', 'pipeline.json')).steps;
}

/** A dataset an earlier run published that a step reads (sql/pipeline.json `previous`). */
export interface PreviousSource {
  path: string;
  columns: Record<string, 'STRING' | 'DATE' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP'>;
}

export function loadPrevious(root = projectRoot()): Record<string, PreviousSource> {
  return (
    loadJsonConfig<{ previous?: Record<string, PreviousSource> }>(join(root, 'sql', 'pipeline.json'))
      .previous ?? {}
  );
}

/** Fills ${from} / ${to}; any other ${…} left is a bug in the SQL file. */
export function renderSql(sql: string, params: Record<string, string>, file: string): string {
  return sql.replace(/\$\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined) throw new C360Error(`${file}: unknown parameter \${${k}}`);
    return v;
  });
}
