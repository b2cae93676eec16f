import type { ErrorObject } from 'ajv';
import type { EventType } from './event';
import * as generated from './schema-validators.generated';
import { SCHEMAS } from './schemas';

export { isDateTime } from './schema-formats';
export { SCHEMA_VERSION } from './schemas';

/*
 * The schema registry: one validator per canonical event type, from the versioned JSON Schemas
 * in schemas/ (src/domain/schemas.ts). The validators are ajv's standalone code, generated when a
 * schema changes (src/domain/schema-codegen.ts): nothing is compiled at start-up and ajv's
 * compiler is not in the Lambdas.
 */

export interface SchemaProblem {
  /** JSON pointer of the failing field, e.g. "/properties/amount". */
  path: string;
  /** The JSON Schema keyword that failed: required, type, format, enum, pattern, maxLength ... */
  rule: string;
  message: string;
}

export type ValidationResult = { ok: true } | { ok: false; errors: SchemaProblem[] };

/** A generated validator: true or false, the errors of the last call on `errors`. */
interface Validator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

function toProblem(e: ErrorObject): SchemaProblem {
  let path = e.instancePath || '';
  if (e.keyword === 'required') path = `${path}/${(e.params as { missingProperty: string }).missingProperty}`;
  return { path: path || '/', rule: e.keyword, message: e.message ?? e.keyword };
}

export class SchemaRegistry {
  private static instance: SchemaRegistry | null = null;
  private readonly validators = new Map<string, Validator>();

  constructor() {
    const all = generated as unknown as Record<string, Validator>;
    for (const type of Object.keys(SCHEMAS) as EventType[]) {
      const v = all[type];
      if (!v) throw new Error(`no generated validator for ${type}: run node dist/gen-validators.mjs`);
      this.validators.set(type, v);
    }
  }

  /** The process-wide registry. */
  static default(): SchemaRegistry {
    SchemaRegistry.instance ??= new SchemaRegistry();
    return SchemaRegistry.instance;
  }

  has(type: string): boolean {
    return this.validators.has(type);
  }

  types(): string[] {
    return [...this.validators.keys()];
  }

  validate(type: string, value: unknown): ValidationResult {
    const validator = this.validators.get(type);
    if (!validator) {
      return {
        ok: false,
        errors: [{ path: '/type', rule: 'enum', message: `unknown event type "${type}"` }],
      };
    }
    if (validator(value)) return { ok: true };
    // Deduplicate: allOf/anyOf branches can report the same problem twice.
    const seen = new Set<string>();
    const errors: SchemaProblem[] = [];
    for (const e of validator.errors ?? []) {
      const p = toProblem(e);
      const key = `${p.path}|${p.rule}`;
      if (!seen.has(key)) {
        seen.add(key);
        errors.push(p);
      }
    }
    return { ok: false, errors };
  }
}
