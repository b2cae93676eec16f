/**
 * Instants from text, with an explicit zone rule: a date-time written without a zone is UTC
 * (AppsFlyer's `event_time "2020-01-15 14:57:24.898"`, Adjust's and most providers' documented
 * convention), never the host's time zone. A date alone is midnight UTC. Returns epoch ms.
 */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/;
const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const UTC_WORD = /\s*(?:UTC|GMT)$/i;

/** The common case, already what Date.parse reads as an instant: ISO 8601 in UTC ("…Z"). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** The number written by `len` digits of `s` from `at` (an ISO date-time's fields), no allocation. */
export function isoDigits(s: string, at: number, len: number): number {
  let v = 0;
  for (let k = at; k < at + len; k++) v = v * 10 + s.charCodeAt(k) - 48;
  return v;
}

/**
 * An ISO UTC instant ("2026-01-01T10:00:02.123Z", ISO_UTC's shape) read digit by digit: exactly
 * what Date.parse returns (fraction truncated to milliseconds) for the fields no engine rule
 * touches; anything else (day 29-31, hour 24, years before 1000) is left to Date.parse (null).
 */
function fastIsoUtc(s: string): number | null {
  const year = isoDigits(s, 0, 4);
  const month = isoDigits(s, 5, 2);
  const day = isoDigits(s, 8, 2);
  const hour = isoDigits(s, 11, 2);
  const minute = isoDigits(s, 14, 2);
  const second = isoDigits(s, 17, 2);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 28 ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return null;
  let ms = 0;
  if (s.charCodeAt(19) === 46 /* . */) {
    const digits = s.length - 21; // between the '.' and the 'Z'
    ms = digits >= 3 ? isoDigits(s, 20, 3) : isoDigits(s, 20, digits) * (digits === 1 ? 100 : 10);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

export function parseInstant(text: string): number | null {
  if (ISO_UTC.test(text)) {
    const fast = fastIsoUtc(text);
    if (fast !== null) return fast;
    const t = Date.parse(text);
    return Number.isNaN(t) ? null : t;
  }
  let v = text.trim();
  if (DATE_ONLY.test(v)) v = `${v}T00:00:00Z`;
  else if (DATE_TIME.test(v)) {
    v = v.replace(' ', 'T').replace(UTC_WORD, 'Z');
    if (!HAS_ZONE.test(v.slice(10))) v = `${v}Z`;
  }
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/**
 * A date-time as sent, with its zone made explicit: one written without a zone gets "Z" (UTC, the
 * rule above); anything else (with a zone, a date alone, not a date-time) is returned as it is.
 * The edges keep what the sender wrote and state what it means.
 */
export function withExplicitZone(text: string | null): string | null {
  if (text === null || !DATE_TIME.test(text)) return text;
  const v = text.trim();
  if (UTC_WORD.test(v) || HAS_ZONE.test(v.slice(10))) return text;
  return `${v.replace(' ', 'T')}Z`;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * Epoch ms → "YYYY-MM-DDTHH:mm:ss.sssZ", exactly Date#toISOString for years 1000-9999 (three
 * times faster: the enrich stage writes one per event), by the days-to-civil-date algorithm
 * (H. Hinnant); other years go to toISOString itself.
 */
export function formatInstant(time: number): string {
  if (!(time >= -30610224000000 && time < 253402300800000)) return new Date(time).toISOString();
  const t = Math.trunc(time); // a Date's time value (TimeClip truncates toward zero)
  const days = Math.floor(t / 86_400_000);
  let rem = t - days * 86_400_000;
  const hour = Math.floor(rem / 3_600_000);
  rem -= hour * 3_600_000;
  const minute = Math.floor(rem / 60_000);
  rem -= minute * 60_000;
  const second = Math.floor(rem / 1000);
  const ms = rem - second * 1000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${pad3(ms)}Z`;
}

/** A UTC calendar day (YYYY-MM-DD) moved by n days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
