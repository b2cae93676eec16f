/**
 * Renders the generic data quality tests declared in sql/pipeline.json (a check step's "test")
 * into their SQL files under sql/dq/ (src/etl/generic-checks.ts). Run: `npm run gen`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadJsonConfig } from '../src/config/json-config';
import { renderGenericTest } from '../src/etl/generic-checks';
import type { PipelineStep } from '../src/etl/plan';
import { projectRoot } from '../src/paths';

const root = projectRoot();
const plan = loadJsonConfig<{ steps: (PipelineStep & { test?: never })[] }>(
  join(root, 'sql', 'pipeline.json'),
);
for (const step of plan.steps.filter((s) => s.test !== undefined))
  writeFileSync(join(root, 'sql', step.sql), renderGenericTest(step));
