import { formatInstant, parseInstant } from '../instant';

/**
 * Event time, Segment style: the client clock is wrong but its *offset* is consistent, so
 * timestamp = receivedAt − (sentAt − originalTimestamp). Future times are clamped to
 * receivedAt and flagged; events older than the lake's open window are flagged `late`.
 */
export interface EventTime {
  timestamp: string;
  futureClamped: boolean;
  late: boolean;
}

function ms(v: string | null | undefined): number | null {
  if (!v) return null;
  return parseInstant(v);
}

export function deriveEventTime(
  input: { originalTimestamp: string | null; sentAt: string | null; receivedAt: string },
  lateWindowMs: number,
  /** Allowed clock skew before a time counts as "future". */
  skewMs = 60_000,
): EventTime {
  const received = ms(input.receivedAt);
  if (received === null) throw new Error(`receivedAt is not a date-time: ${input.receivedAt}`);
  const original = ms(input.originalTimestamp);
  const sent = ms(input.sentAt);
  let t: number;
  if (original !== null && sent !== null) t = received - (sent - original);
  else if (original !== null) t = original;
  else t = received;
  let futureClamped = false;
  if (t > received + skewMs) {
    t = received;
    futureClamped = true;
  }
  return { timestamp: formatInstant(t), futureClamped, late: received - t > lateWindowMs };
}
