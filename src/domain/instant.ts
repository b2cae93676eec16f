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

export function parseInstant(text: string): number | null {
  if (ISO_UTC.test(text)) {
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

/** A UTC calendar day (YYYY-MM-DD) moved by n days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
