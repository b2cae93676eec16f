/**
 * Writes the schema registry's precompiled validators (src/domain/schema-validators.generated.ts)
 * from schemas/*.json; test/unit/domain/schema-registry.test.ts fails when they are stale. Run after
 * changing a schema: `node scripts/build.mjs && node dist/gen-validators.mjs`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderValidatorsModule, VALIDATORS_MODULE } from '../src/domain/schema-codegen';
import { projectRoot } from '../src/paths';

writeFileSync(join(projectRoot(), VALIDATORS_MODULE), renderValidatorsModule());
