import type { CanonicalEvent, QuarantineRecord } from './event';

/**
 * Lake partitioning, the same in AWS (Firehose dynamic partitioning, JQ over the record) and
 * embedded (the local delivery adapter): event time in UTC.
 */
export interface BronzePartition {
  source: string;
  event_type: string;
  dt: string;
  hour: string;
}

export interface QuarantinePartition {
  reason: string;
  dt: string;
}

/**
 * A value as part of a file name (exports, reports): each run of characters outside
 * [A-Za-z0-9_.-] becomes one '_'. Readable, not unique: a caller that needs two values never to
 * share a name adds a hash (report-subscriptions' filtersKey).
 */
export const fileNamePart = (v: string): string => v.replace(/[^A-Za-z0-9_.-]+/g, '_');

/** Partition values must be path-safe: anything else becomes '_'. */
export function safeSegment(v: string): string {
  const s = v.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return s === '' || s === '.' || s === '..' ? '_' : s;
}

export function bronzePartition(e: CanonicalEvent): BronzePartition {
  return {
    source: safeSegment(e.source),
    event_type: e.type,
    // Arrival time, as Firehose sees it: a backfill or a late mobile event lands in today's
    // partition (Firehose's active-partition quota is never exceeded by old event times).
    // Event-time partitioning is silver's.
    dt: e.receivedAt.slice(0, 10),
    hour: e.receivedAt.slice(11, 13),
  };
}

export function quarantinePartition(q: QuarantineRecord): QuarantinePartition {
  return { reason: q.reason, dt: q.quarantinedAt.slice(0, 10) };
}

/** The key prefix Firehose writes (template.yaml uses the same expression). */
export function bronzePrefix(p: BronzePartition): string {
  return `bronze/events/source=${p.source}/event_type=${p.event_type}/dt=${p.dt}/hour=${p.hour}/`;
}

export function quarantinePrefix(p: QuarantinePartition): string {
  return `quarantine/reason=${p.reason}/dt=${p.dt}/`;
}
