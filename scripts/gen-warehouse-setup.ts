/**
 * Writes the warehouse definition's fingerprint into template.yaml's WarehouseSetup resource, so
 * the next `sam deploy` sets the warehouse up again (test/unit/handlers/warehouse-setup-resource.test.ts
 * fails when it is stale). Run after changing the table model or the reporting SQL:
 * `node scripts/build.mjs && node dist/gen-warehouse-setup.mjs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warehouseDefinition, withDefinition } from '../src/domain/warehouse/definition';
import { projectRoot } from '../src/paths';

const file = join(projectRoot(), 'template.yaml');
writeFileSync(file, withDefinition(readFileSync(file, 'utf8'), warehouseDefinition()));
