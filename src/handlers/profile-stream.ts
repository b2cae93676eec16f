import type { KinesisStreamEvent } from 'aws-lambda';
import { noGeo } from '../domain/enrich/geo';
import type { Pseudonymizer } from '../domain/enrich/pii';
import { enrichDraft } from '../domain/enrich/pipeline';
import { UserAgentCache } from '../domain/enrich/useragent';
import { decodeEnvelope } from '../domain/envelope';
import type { CanonicalEvent } from '../domain/event';
import { normalize } from '../domain/normalize';
import { suppressionHash } from '../domain/privacy/erasure';
import { applyEvent, type LiveProfile, nodeOf, resolveEvent } from '../domain/profile';
import type { ProfileStore } from '../ports/profile-store';
import type { SuppressionList } from '../ports/suppression';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * The profile store's stream path: a second consumer of the event stream (as the real-time tier
 * is) that keeps each profile's live half current within seconds of arrival. Each record is
 * normalized and pseudonymized exactly as enrich does it (the same normalizers, the same keyed
 * HMAC), so the traits and keys it stores are the lake's; the IP and user agent are not needed
 * and not looked up. Bots and erased people (the suppression list) are left out; a record that
 * does not normalize is left to enrich, which quarantines it. A batch reads the keys and profiles
 * it touches, folds its events in time order (src/domain/profile.ts: trust rules, recent events),
 * then writes the changed profiles and new links in one batch: a redelivered batch folds the
 * same events again and changes nothing (recent events are kept by event id).
 */
export interface ProfileStreamDeps {
  store: ProfileStore;
  pseudonymizer: Pseudonymizer;
  suppression?: SuppressionList;
  logger: LoggerPort;
  metrics: MetricsPort;
  now?: () => Date;
}

export interface ProfileStreamStats {
  events: number;
  applied: number;
  refusedClaims: number;
  profiles: number;
  links: number;
}

export function createProfileStreamHandler(deps: ProfileStreamDeps) {
  const ctx = {
    ua: new UserAgentCache(1000),
    geo: noGeo,
    pseudonymizer: deps.pseudonymizer,
    lateWindowMs: 48 * 3_600_000,
  };
  return async (event: Pick<KinesisStreamEvent, 'Records'>): Promise<ProfileStreamStats> => {
    const stats: ProfileStreamStats = { events: 0, applied: 0, refusedClaims: 0, profiles: 0, links: 0 };
    const events: CanonicalEvent[] = [];
    for (const r of event.Records) {
      try {
        const envelope = decodeEnvelope(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
        const outcome = normalize(envelope);
        if (outcome.ok) for (const d of outcome.events) events.push(enrichDraft(d, envelope, ctx));
      } catch {
        // Not decodable: enrich quarantines it with its reason.
      }
    }
    stats.events = events.length;
    const suppressed = deps.suppression ? await deps.suppression.load() : null;
    const kept = events
      .filter((e) => !e.flags.bot && e.identities.length > 0)
      .filter(
        (e) =>
          !suppressed?.size ||
          !e.identities.some((k) => suppressed.has(suppressionHash(deps.pseudonymizer, k.type, k.value))),
      )
      .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    if (!kept.length) return stats;

    const held = await deps.store.customersOf([...new Set(kept.flatMap((e) => e.identities.map(nodeOf)))]);
    const live = await deps.store.live([...new Set(held.values())]);
    const now = (deps.now?.() ?? new Date()).toISOString();
    const links = new Map<string, string>();
    const changed = new Map<string, LiveProfile>();
    for (const e of kept) {
      const r = resolveEvent(e, held);
      stats.refusedClaims += r.refused.length;
      if (!r.customerId) continue;
      for (const n of r.links) {
        held.set(n, r.customerId);
        links.set(n, r.customerId);
      }
      const next = applyEvent(
        changed.get(r.customerId) ?? live.get(r.customerId) ?? null,
        r.customerId,
        e,
        r.links,
        now,
      );
      changed.set(r.customerId, next);
      stats.applied++;
    }
    await deps.store.writeLive(links, [...changed.values()]);
    stats.profiles = changed.size;
    stats.links = links.size;
    deps.metrics.addMetric('ProfileEventsApplied', 'Count', stats.applied);
    deps.metrics.addMetric('ProfileClaimsRefused', 'Count', stats.refusedClaims);
    deps.metrics.addMetric('ProfilesUpdated', 'Count', stats.profiles);
    deps.metrics.publishStoredMetrics();
    if (stats.refusedClaims)
      deps.logger.warn('client-side claims on held emails or phones refused', {
        refused: stats.refusedClaims,
      });
    return stats;
  };
}
