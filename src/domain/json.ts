import { isInteger, isSafeNumber, parse } from 'lossless-json';

/**
 * JSON parsing that never changes an id. JSON.parse turns an integer above 2^53 into the
 * nearest double (Shopify's order id 820982911946154508 becomes 820982911946154500), so two
 * different orders could collapse into one. Here such integers are kept as the exact digits
 * they were sent with, as strings; every other value parses as JSON.parse would.
 *
 * Fast path: a text with no run of 16 digits cannot hold an unsafe integer, so it goes
 * straight to JSON.parse (the common case costs one regex scan).
 */
const SIXTEEN_DIGITS = /\d{16}/;

function parseNumber(digits: string): number | string {
  return isInteger(digits) && !isSafeNumber(digits) ? digits : Number(digits);
}

/**
 * A `\uD800`-`\uDFFF` escape may leave a lone surrogate in a string: valid for JSON.parse, but
 * not Unicode, and DuckDB's and Spark's JSON readers refuse the whole file it ends up in (one
 * such event stopped every run over its day). Such strings, keys included, are made well formed
 * (each lone surrogate becomes U+FFFD, as an invalid UTF-8 byte already does when the body is
 * decoded). A text without such an escape cannot hold one: a decoded UTF-8 body never does.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();

function wellFormedValue(v: unknown): unknown {
  if (typeof v === 'string') return wellFormed(v);
  if (Array.isArray(v)) return v.map(wellFormedValue);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, wellFormed(k), {
        value: wellFormedValue(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return v;
}

/**
 * How deep a JSON text nests (arrays and objects), by one scan of the text, without recursion: a
 * 10,000-deep body must be answered with a 400, not a stack overflow in a later recursive walk.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Deepest nesting any record may have: PII is checked to this depth (src/domain/enrich/pii.ts). */
export const MAX_JSON_DEPTH = 64;

/** More than `limit` brackets opened anywhere? (native indexOf jumps: a few calls per event) */
function bracketsExceed(text: string, limit: number): boolean {
  let n = 0;
  for (const ch of ['{', '[']) {
    for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) if (++n > limit) return true;
  }
  return false;
}

/** Does the JSON text nest deeper than `max`? (the depth scan runs only when it could) */
export function deeperThan(text: string, max: number): boolean {
  return bracketsExceed(text, max) && jsonDepth(text) > max;
}

/** A JSON text nesting deeper than the limit it was read with (refused before parsing). */
export class JsonTooDeepError extends Error {
  override name = 'JsonTooDeepError';
  constructor(
    readonly depth: number,
    readonly limit: number,
  ) {
    super(`JSON nested deeper than ${limit} levels`);
  }
}

export function parseJsonLossless(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (bracketsExceed(text, maxDepth)) {
    const depth = jsonDepth(text);
    if (depth > maxDepth) throw new JsonTooDeepError(depth, maxDepth);
  }
  const value = SIXTEEN_DIGITS.test(text) ? parse(text, null, parseNumber) : JSON.parse(text);
  return text.includes('\\u') && SURROGATE_ESCAPE.test(text) ? wellFormedValue(value) : value;
}
