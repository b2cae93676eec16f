import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { C360Error } from '../../domain/errors';
import { renderSql } from '../plan';
import { count } from './shared';
import type { StepExecutor } from './types';

/** A fixed point (identity labels): the step's SQL, then `step.step` again until no label changes (at most 50 rounds). */
export const iterate: StepExecutor = async ({ engine, step, sql, params, root }) => {
  if (!step.step) throw new C360Error(`step ${step.name}: an iterate step needs "step"`);
  const stepSql = renderSql(await readFile(join(root, 'sql', step.step), 'utf8'), params, step.step);
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name} AS ${sql}`);
  let iterations = 0;
  for (;;) {
    iterations++;
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name}__next AS ${stepSql}`);
    const changed = await count(
      engine,
      `SELECT 1 FROM ${step.name}__next x JOIN ${step.name} o ON o.node = x.node WHERE o.label <> x.label`,
    );
    await engine.run(`DROP TABLE ${step.name}`);
    await engine.run(`ALTER TABLE ${step.name}__next RENAME TO ${step.name}`);
    if (changed === 0) break;
    if (iterations >= 50) throw new C360Error(`step ${step.name} did not converge in 50 iterations`);
  }
  return { rows: await count(engine, `SELECT * FROM ${step.name}`), iterations };
};
