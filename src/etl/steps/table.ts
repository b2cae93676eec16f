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
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name} AS ${sql}`);
  const rows = await count(engine, `SELECT * FROM ${step.name}`);
  if (step.kind === 'table' && step.path)
    outputs.push(await stageTable(engine, step.name, staging, step.path, target));
  return { rows };
};
