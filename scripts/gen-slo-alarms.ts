/**
 * Renders the burn-rate and platform alarms of config/slos.json into template.yaml's generated
 * block (test/unit/domain/slo.test.ts fails when they drift). Run:
 * `node scripts/build.mjs && node dist/gen-slo-alarms.mjs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSlos } from '../src/domain/slo';
import { renderSloBlock } from '../src/infra/slo-alarms';
import { projectRoot } from '../src/paths';

const root = projectRoot();
const file = join(root, 'template.yaml');
writeFileSync(file, renderSloBlock(readFileSync(file, 'utf8'), loadSlos(root)));
