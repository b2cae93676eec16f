import type { RawEnvelope } from '../../src/domain/event';

/** A webhook or postback envelope as the edge writes it, with the payload already parsed. */
export function providerEnvelope(
  provider: string,
  payload: unknown,
  extra: Partial<RawEnvelope> = {},
): RawEnvelope {
  return {
    v: 1,
    kind: ['appsflyer', 'adjust', 'generic'].includes(provider) ? 'postback' : 'webhook',
    source: provider,
    provider,
    receivedAt: '2026-01-01T10:00:00.000Z',
    requestId: 'r1',
    payload,
    ...extra,
  };
}
