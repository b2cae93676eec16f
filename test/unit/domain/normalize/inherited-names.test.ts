import { columnMap } from '../../../../src/domain/batch/rows';
import type { RawEnvelope } from '../../../../src/domain/event';
import { normalize } from '../../../../src/domain/normalize';
import { providerEnvelope } from '../../../helpers/envelopes';

/**
 * Text from outside used as a lookup key (event names, provider fields, routes, CSV headers) never
 * reaches Object.prototype: "constructor" and "__proto__" are truthy there, so a Segment track
 * named "constructor" was read as an order and an Adjust "constructor" kind became an action.
 */
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

function segmentTrack(event: string): RawEnvelope {
  return {
    v: 1,
    kind: 'segment',
    source: 'backend',
    trust: 'server',
    receivedAt: '2026-01-01T10:00:00.000Z',
    requestId: 'r1',
    payload: {
      type: 'track',
      event,
      messageId: `m-${event}`,
      anonymousId: 'a1',
      properties: { orderId: 'o1', total: 10, currency: 'USD' },
    },
  };
}

describe('inherited property names in input', () => {
  it('a Segment track named like an Object.prototype member stays a track (only real e-commerce names map)', () => {
    for (const name of INHERITED) {
      const out = normalize(segmentTrack(name));
      if (!out.ok) throw new Error(out.detail);
      expect([name, out.events.map((e) => [e.type, e.event])]).toEqual([name, [['track', name]]]);
    }
    const order = normalize(segmentTrack('Order Completed'));
    expect(order.ok && order.events.map((e) => e.type)).toEqual(['order_completed']);
  });

  it('an Adjust activity kind or a HubSpot change named like one is unknown, as any unknown name is', () => {
    const adjust = (kind: string) =>
      normalize(providerEnvelope('adjust', { adid: 'a1', created_at: '1767261600', activity_kind: kind }));
    const hubspot = (change: string) =>
      normalize(
        providerEnvelope('hubspot', [{ eventId: 1, subscriptionType: `contact.${change}`, objectId: 11 }]),
      );
    const shape = (o: ReturnType<typeof normalize>, name: string) =>
      JSON.stringify(o).replaceAll(name, '<name>');
    for (const name of INHERITED) {
      const a = adjust(name);
      expect([name, a.ok ? 'ok' : a.reason]).toEqual([name, 'unknown_type']);
      expect(shape(hubspot(name), name)).toBe(shape(hubspot('noSuchChange'), 'noSuchChange'));
    }
    expect(adjust('install').ok).toBe(true);
  });

  it('a provider or batch-file kind named like one has no normalizer', () => {
    for (const name of INHERITED) {
      const webhook = normalize({ ...providerEnvelope('stripe', {}), provider: name });
      expect([name, webhook.ok ? 'ok' : webhook.reason]).toEqual([name, 'unknown_type']);
      const file = normalize({ ...providerEnvelope('stripe', {}), kind: 'batch_file', provider: name });
      expect([name, file.ok ? 'ok' : file.reason]).toEqual([name, 'unknown_type']);
    }
  });

  it('a CSV column named like one is matched by the aliases only, never by a column override', () => {
    const map = columnMap('orders', ['constructor', 'order_id', '__proto__', 'toString'], {});
    expect([...map.values()].every((f) => typeof f === 'string')).toBe(true);
    expect([...map.keys()]).toEqual([1]);
  });
});
