import type { CanonicalEvent } from '../../src/domain/event';

/** A valid canonical event of the given type, with overrides merged on top (for tests). */
export function canonical(overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    schemaVersion: 1,
    eventId: 'evt-1',
    type: 'track',
    event: 'Product Viewed',
    source: 'web',
    kind: 'segment',
    userId: 'user-1',
    anonymousId: null,
    originalTimestamp: '2026-01-01T10:00:00.000Z',
    sentAt: '2026-01-01T10:00:01.000Z',
    receivedAt: '2026-01-01T10:00:02.000Z',
    timestamp: '2026-01-01T10:00:01.000Z',
    context: {},
    properties: {},
    traits: {},
    identities: [{ type: 'user_id', value: 'user-1' }],
    enrichment: { ua: null, geo: null, campaign: null, ip: null },
    flags: { futureClamped: false, late: false, bot: false },
    requestId: 'req-1',
    ...overrides,
  };
}
