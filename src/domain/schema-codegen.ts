import Ajv, { _ } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { formats } from './schema-formats';
import { COMMON_SCHEMA, SCHEMAS } from './schemas';

/**
 * The schema registry's validators as standalone code (ajv's standalone mode): compiled when the
 * schemas change (`node scripts/build.mjs && node dist/gen-validators.mjs`, which writes
 * src/domain/schema-validators.generated.ts; a test fails when it is stale), so neither the
 * Lambdas nor the CLI load ajv's compiler or compile anything at start-up. Build-time only: no
 * runtime module imports this file.
 */
export const VALIDATORS_MODULE = 'src/domain/schema-validators.generated.ts';

export function renderValidatorsModule(): string {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    // common.v1.json as one function every type's validator calls, not a copy in each.
    inlineRefs: false,
    // `formats` is the import the module header adds (src/domain/schema-formats.ts).
    code: { source: true, esm: true, formats: _`formats` },
  });
  for (const name of Object.keys(formats)) ajv.addFormat(name, formats[name] as (s: string) => boolean);
  ajv.addSchema(COMMON_SCHEMA.schema, COMMON_SCHEMA.id);
  for (const [type, schema] of Object.entries(SCHEMAS)) ajv.addSchema(schema, type);
  const code = standaloneCode(ajv, Object.fromEntries(Object.keys(SCHEMAS).map((t) => [t, t])));
  return [
    '// Generated from schemas/*.json by scripts/gen-validators.ts (ajv standalone code): do not edit.',
    '// @ts-nocheck',
    "import { formats } from './schema-formats';",
    code,
    '',
  ].join('\n');
}
