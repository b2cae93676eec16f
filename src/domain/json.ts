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

export function parseJsonLossless(text: string): unknown {
  if (!SIXTEEN_DIGITS.test(text)) return JSON.parse(text);
  return parse(text, null, parseNumber);
}
