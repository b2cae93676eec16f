import type { Engine } from '../duckdb';
import type { PipelineStep } from '../plan';
import type { Staged } from '../publish';

/** What a step executor gets: the step, its SQL rendered, and where the run stages its outputs. */
export interface StepContext {
  engine: Engine;
  step: PipelineStep;
  /** The step's SQL with the run's parameters filled in. */
  sql: string;
  /** The step's SQL file as written (keyed steps render it again and hash it). */
  text: string;
  /** The SQL of the temp step listing a keyed step's touched keys. */
  touchedText: string | undefined;
  params: Record<string, string>;
  root: string;
  /** The step's table in the lake ('' for steps that store nothing). */
  target: string;
  /** The run's staging folder: outputs are written there and published only if every check passes. */
  staging: string;
  /** The step's layer is not rebuilt in this run: later steps read what is stored. */
  skip: boolean;
  range: { from: string; to: string };
  /** Where an executor adds what it staged. */
  outputs: Staged[];
  /** A warn step's offending rows (the run still publishes). */
  warn: (w: { check: string; failures: number; example: string | null; rule: string }) => void;
}

export interface StepResult {
  rows: number;
  /** iterate steps: how many rounds until nothing changed. */
  iterations?: number;
  /** keyed steps run incrementally: the rows recomputed for the touched keys. */
  recomputed?: number;
}

/** One kind of plan step (sql/pipeline.json `kind`), run on the embedded engine. */
export type StepExecutor = (ctx: StepContext) => Promise<StepResult>;
