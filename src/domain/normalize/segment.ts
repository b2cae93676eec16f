import type { IdentityKey, RawEnvelope, SegmentType } from '../event';
import { isSegmentType } from '../segment';
import type { NormalizeOutcome } from './types';

/** Segment message (as the ingest edge wrote it) → canonical draft. */
function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function str(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.length > 0 ? v : null;
}

export function normalizeSegment(envelope: RawEnvelope): NormalizeOutcome {
  const msg = obj(envelope.payload);
  const type = msg.type;
  if (!isSegmentType(type)) {
    return {
      ok: false,
      reason: 'unknown_type',
      detail: `unknown Segment message type ${JSON.stringify(type)}`,
    };
  }
  const eventId = str(msg.messageId) ?? envelope.eventId;
  if (!eventId)
    return {
      ok: false,
      reason: 'schema_violation',
      detail: 'message has no messageId',
      errors: [{ path: '/messageId', rule: 'required', message: 'messageId is required' }],
    };
  const context = obj(msg.context);
  const userId = str(msg.userId);
  const anonymousId = str(msg.anonymousId);
  const properties = { ...obj(msg.properties) };
  if (type === 'group' && msg.groupId !== undefined) properties.groupId = msg.groupId;
  if (type === 'alias' && msg.previousId !== undefined) properties.previousId = msg.previousId;
  const traits = { ...obj(context.traits), ...obj(msg.traits) };

  const identities: IdentityKey[] = [];
  if (userId) identities.push({ type: 'user_id', value: userId });
  if (anonymousId) identities.push({ type: 'anonymous_id', value: anonymousId });
  const device = obj(context.device);
  const deviceId = str(device.id);
  if (deviceId) identities.push({ type: 'device_id', value: deviceId });
  const adId = str(device.advertisingId);
  if (adId && device.adTrackingEnabled !== false) identities.push({ type: 'advertising_id', value: adId });
  if (type === 'alias') {
    const prev = str(msg.previousId);
    if (prev) identities.push({ type: prev === anonymousId ? 'anonymous_id' : 'user_id', value: prev });
  }

  const event =
    type === 'track'
      ? str(msg.event)
      : type === 'page' || type === 'screen'
        ? (str(msg.name) ?? str(properties.name))
        : null;
  return {
    ok: true,
    events: [
      {
        eventId,
        type: type as SegmentType,
        event,
        source: envelope.source,
        kind: envelope.kind,
        userId,
        anonymousId,
        originalTimestamp: str(msg.originalTimestamp) ?? str(msg.timestamp),
        sentAt: str(msg.sentAt),
        receivedAt: envelope.receivedAt,
        context,
        properties,
        traits,
        identities,
        requestId: envelope.requestId,
      },
    ],
  };
}
