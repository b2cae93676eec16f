import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import adAttribution from '../../schemas/ad_attribution.v1.json';
import alias from '../../schemas/alias.v1.json';
import common from '../../schemas/common.v1.json';
import crmContact from '../../schemas/crm_contact.v1.json';
import group from '../../schemas/group.v1.json';
import identify from '../../schemas/identify.v1.json';
import orderCompleted from '../../schemas/order_completed.v1.json';
import orderRefunded from '../../schemas/order_refunded.v1.json';
import page from '../../schemas/page.v1.json';
import screen from '../../schemas/screen.v1.json';
import socialMention from '../../schemas/social_mention.v1.json';
import supportTicket from '../../schemas/support_ticket.v1.json';
import track from '../../schemas/track.v1.json';
import type { EventType } from './event';

/**
 * The schema registry: the versioned JSON Schemas in schemas/ (one per canonical event type,
 * all sharing common.v1.json), compiled once. Schemas are imported statically so esbuild bundles
 * them into each Lambda and nothing reads the file system at run time.
 */

export interface SchemaProblem {
  /** JSON pointer of the failing field, e.g. "/properties/amount". */
  path: string;
  /** The JSON Schema keyword that failed: required, type, format, enum, pattern, maxLength ... */
  rule: string;
  message: string;
}

export type ValidationResult = { ok: true } | { ok: false; errors: SchemaProblem[] };

const SCHEMAS: Record<EventType, object> = {
  track,
  identify,
  page,
  screen,
  group,
  alias,
  order_completed: orderCompleted,
  order_refunded: orderRefunded,
  support_ticket: supportTicket,
  social_mention: socialMention,
  crm_contact: crmContact,
  ad_attribution: adAttribution,
};

export const SCHEMA_VERSION = 1;

/** The common shape of a date-time: ISO 8601 in UTC, as every canonical timestamp is written. */
const UTC_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const fullDateTime = (addFormats.get('date-time', 'full') as { validate: (s: string) => boolean }).validate;

/**
 * The `date-time` format exactly as ajv-formats checks it (RFC 3339: real calendar days, leap
 * years, a leap second at 23:59:60 UTC), read digit by digit for the UTC form each event has
 * four of; any other form goes to ajv-formats itself.
 */
export function isDateTime(s: string): boolean {
  if (!UTC_DATE_TIME.test(s)) return fullDateTime(s);
  const n = (i: number, len: number) => {
    let v = 0;
    for (let k = i; k < i + len; k++) v = v * 10 + s.charCodeAt(k) - 48;
    return v;
  };
  const year = n(0, 4);
  const month = n(5, 2);
  const day = n(8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month] as number))
  )
    return false;
  const hour = n(11, 2);
  const minute = n(14, 2);
  const second = n(17, 2);
  if (hour <= 23 && minute <= 59 && second <= 59) return true;
  return hour === 23 && minute === 59 && second === 60;
}

function toProblem(e: ErrorObject): SchemaProblem {
  let path = e.instancePath || '';
  if (e.keyword === 'required') path = `${path}/${(e.params as { missingProperty: string }).missingProperty}`;
  return { path: path || '/', rule: e.keyword, message: e.message ?? e.keyword };
}

export class SchemaRegistry {
  private static instance: SchemaRegistry | null = null;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addFormat('date-time', isDateTime);
    ajv.addSchema(common, 'common.v1.json');
    for (const [type, schema] of Object.entries(SCHEMAS)) this.validators.set(type, ajv.compile(schema));
  }

  /** The process-wide registry (compiling is the expensive part: do it once per cold start). */
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
