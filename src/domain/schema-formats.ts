import { fullFormats } from 'ajv-formats/dist/formats.js';
import { isoDigits } from './instant';

/**
 * The string formats the schemas use, for the generated validators (and the generator).
 * ajv-formats' format functions only (dist/formats.js needs nothing else): its plugin entry
 * would pull the whole ajv compiler into the Lambdas.
 */
const fullDateTime = fullFormats['date-time'] as { validate: (s: string) => boolean };

/** The common shape of a date-time: ISO 8601 in UTC, as every canonical timestamp is written. */
const UTC_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The `date-time` format exactly as ajv-formats checks it (RFC 3339: real calendar days, leap
 * years, a leap second at 23:59:60 UTC), read digit by digit for the UTC form each event has
 * four of; any other form goes to ajv-formats itself.
 */
export function isDateTime(s: string): boolean {
  if (!UTC_DATE_TIME.test(s)) return fullDateTime.validate(s);
  const year = isoDigits(s, 0, 4);
  const month = isoDigits(s, 5, 2);
  const day = isoDigits(s, 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month] as number))
  )
    return false;
  const hour = isoDigits(s, 11, 2);
  const minute = isoDigits(s, 14, 2);
  const second = isoDigits(s, 17, 2);
  if (hour <= 23 && minute <= 59 && second <= 59) return true;
  return hour === 23 && minute === 59 && second === 60;
}

/** Format name → check, as the generated validators look them up. */
export const formats: Record<string, (s: string) => boolean> = { 'date-time': isDateTime };
