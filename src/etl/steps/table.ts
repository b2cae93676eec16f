import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lit } from '../duckdb';
import { count, stageTable } from './shared';
import type { StepExecutor } from './types';

/**
 * A whole table (`table`: staged and published; `temp`: only for later steps). In a layer not
 * being rebuilt, later steps read what an earlier run stored, if anything.
 */
export const table: StepExecutor = async ({ engine, step, sql, target, staging, skip, outputs }) => {
  if (skip && step.path) {
    const stored = join(target, 'data.parquet');
    if (existsSync(stored))
      await engine.run(
        `CREATE OR REPLACE TEMP VIEW ${step.name} AS SELECT * FROM read_parquet(${lit(stored)})`,
      );
    return { rows: 0 };
  }
  const stored = join(target, 'data.parquet');
  if (step.kind === 'table' && step.retain && existsSync(stored)) {
    // History that outlives silver: stored rows older than silver's oldest day stay as they are.
    const { date, key, prefer = 'stored' } = step.retain;
    const [h] = await engine.rows<{ horizon: string | null }>(
      'SELECT CAST(min(CAST(dt AS DATE)) AS VARCHAR) AS horizon FROM silver_events',
    );
    const before = h?.horizon ? `CAST(${date} AS DATE) < DATE ${lit(h.horizon)}` : 'TRUE';
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name}__kept AS
      SELECT * FROM read_parquet(${lit(stored)}) WHERE ${before}`);
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name}__new AS ${sql}`);
    // Whose row wins for a key both hold: a fact's stored row (silver no longer holds all of its
    // events), a profile's recomputed one (the person came back).
    const [keep, drop] = prefer === 'stored' ? ['__kept', '__new'] : ['__new', '__kept'];
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name} AS
      SELECT * FROM ${step.name}${keep}
      UNION ALL BY NAME
      SELECT d.* FROM ${step.name}${drop} d
      WHERE NOT EXISTS (SELECT 1 FROM ${step.name}${keep} k WHERE k.${key} = d.${key})`);
    await engine.run(`DROP TABLE ${step.name}__new`);
    await engine.run(`DROP TABLE ${step.name}__kept`);
  } else await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name} AS ${sql}`);
  const rows = await count(engine, `SELECT * FROM ${step.name}`);
  if (step.kind === 'table' && step.path)
    outputs.push(await stageTable(engine, step.name, staging, step.path, target));
  return { rows };
};
