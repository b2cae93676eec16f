import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { C360Error } from '../../domain/errors';
import { lit } from '../duckdb';
import { renderSql } from '../plan';
import { KEYED_VERSION_FILE } from '../publish';
import { count, keyedVersion, stageTable } from './shared';
import { table } from './table';
import type { StepExecutor } from './types';

/**
 * A table recomputed per key (sessions): the touched keys' rows over their whole history, every
 * other key's stored rows kept as they are. Nothing stored (a first run, a table added since), or
 * rows a different version of the SQL wrote: all keys. Skipped layers behave as a table's.
 */
export const keyed: StepExecutor = async (ctx) => {
  const { engine, step, text, touchedText, params, target, staging, outputs } = ctx;
  if (ctx.skip) return table(ctx);
  if (!step.key || !step.touched || !step.path)
    throw new C360Error(`step ${step.name}: a keyed step needs "key", "touched" and "path"`);
  const stored = join(target, 'data.parquet');
  const version = keyedVersion(text, touchedText);
  const storedVersion = await readFile(join(target, KEYED_VERSION_FILE), 'utf8').catch(() => null);
  const incremental =
    params.full_rebuild === 'false' && existsSync(stored) && storedVersion?.trim() === version;
  const stepSql = renderSql(text, { ...params, full_rebuild: String(!incremental) }, step.sql);
  let recomputed: number | undefined;
  if (!incremental) await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name} AS ${stepSql}`);
  else {
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name}__new AS ${stepSql}`);
    recomputed = await count(engine, `SELECT * FROM ${step.name}__new`);
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name} AS
      SELECT * FROM read_parquet(${lit(stored)}) s
      WHERE NOT EXISTS (SELECT 1 FROM ${step.touched} t WHERE t.${step.key} = s.${step.key})
      UNION ALL BY NAME SELECT * FROM ${step.name}__new`);
    await engine.run(`DROP TABLE ${step.name}__new`);
  }
  const rows = await count(engine, `SELECT * FROM ${step.name}`);
  outputs.push({ ...(await stageTable(engine, step.name, staging, step.path, target)), version });
  return { rows, ...(recomputed !== undefined ? { recomputed } : {}) };
};
