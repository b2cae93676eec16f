import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import { ConfigError } from '../domain/errors';

/**
 * A JSON configuration file read and checked against its JSON Schema (kept beside it as
 * `<name>.schema.json`) before anything uses it: a malformed plan step or retention entry stops
 * at load with the file, the field and the rule, never halfway through a run.
 */
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const compiled = new Map<string, ValidateFunction>();

export function loadJsonConfig<T>(file: string, schemaFile = file.replace(/\.json$/, '.schema.json')): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `${file} is not readable JSON: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  let validate = compiled.get(schemaFile);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
    compiled.set(schemaFile, validate);
  }
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => {
      const extra =
        e.keyword === 'additionalProperties'
          ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
          : e.keyword === 'enum'
            ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
            : '';
      return `${e.instancePath || '/'} ${e.message}${extra}`;
    });
    throw new ConfigError(`${file} does not match ${schemaFile}: ${problems.join('; ')}`);
  }
  return value as T;
}
