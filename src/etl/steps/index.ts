import type { PipelineStep } from '../plan';
import { check } from './check';
import { iterate } from './iterate';
import { keyed } from './keyed';
import { partitioned } from './partitioned';
import { table } from './table';
import type { StepExecutor } from './types';

/** The embedded engine's executor for each kind of plan step (glue/run_sql.py has Spark's). */
export const EXECUTORS: Record<PipelineStep['kind'], StepExecutor> = {
  partitioned,
  keyed,
  table,
  temp: table,
  iterate,
  check,
  warn: check,
};
