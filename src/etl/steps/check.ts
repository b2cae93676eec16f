import { DataQualityError } from '../../domain/errors';
import { leadingComment } from './shared';
import type { StepExecutor } from './types';

/**
 * A data quality check: its SQL returns `failures` (and an `example`). A `check` with failures
 * stops the run before anything is published; a `warn` is reported and the run goes on.
 */
export const check: StepExecutor = async ({ engine, step, sql, skip, warn }) => {
  if (skip) return { rows: 0 };
  const [r] = await engine.rows<{ failures: string; example?: string | null }>(sql);
  const failures = Number(r?.failures ?? 0);
  if (failures > 0) {
    const example = r?.example ?? null;
    if (step.kind === 'check') throw new DataQualityError(step.name, failures, leadingComment(sql), example);
    warn({ check: step.name, failures, example, rule: leadingComment(sql) });
  }
  return { rows: 0 };
};
