import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DownstreamUnavailableError } from '../../../src/domain/errors';
import type { RawEnvelope } from '../../../src/domain/event';
import { signHubspot } from '../../../src/sources/hubspot/signature';
import { signShopify } from '../../../src/sources/shopify/signature';
import { signStripe } from '../../../src/sources/stripe/signature';
import { signZendesk } from '../../../src/sources/zendesk/signature';
import { apiEvent, parseBody } from '../../helpers/http';
import { envelopes } from '../../helpers/ingest';
import { NOW, NOW_S, webhooksUnderTest } from '../../helpers/webhooks';

const fixtures = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/real/stripe/fixtures.json'), 'utf8'),
) as Record<string, Record<string, unknown>>;
const stripeEvent = (type: string, object: string, id = 'evt_test_1') =>
  JSON.stringify({ id, object: 'event', type, created: NOW_S - 5, data: { object: fixtures[object] } });

interface Case {
  provider: string;
  valid: () => { body: string; headers: Record<string, string> };
  badSignature: () => { body: string; headers: Record<string, string> };
  stale?: () => { body: string; headers: Record<string, string> };
}

const zendeskBody = JSON.stringify({
  id: 'zd-evt-1',
  type: 'zen:event-type:ticket.created',
  time: NOW,
  detail: {
    id: '35436',
    status: 'new',
    priority: 'high',
    subject: 'Where is my order?',
    requester_id: '123',
  },
});
const hubspotBody = JSON.stringify([
  {
    eventId: 100,
    subscriptionType: 'contact.creation',
    objectId: 555,
    portalId: 9,
    occurredAt: Date.parse(NOW),
  },
]);
const shopifyBody = JSON.stringify({
  id: 820982911946154500,
  total_price: '199.65',
  currency: 'USD',
  line_items: [],
});

const cases: Case[] = [
  {
    provider: 'stripe',
    valid: () => {
      const body = stripeEvent('charge.succeeded', 'charge');
      return { body, headers: { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S) } };
    },
    badSignature: () => {
      const body = stripeEvent('charge.succeeded', 'charge');
      return { body, headers: { 'stripe-signature': signStripe(body, 'whsec_wrong', NOW_S) } };
    },
    stale: () => {
      const body = stripeEvent('charge.succeeded', 'charge');
      return { body, headers: { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S - 301) } };
    },
  },
  {
    provider: 'shopify',
    valid: () => ({
      body: shopifyBody,
      headers: {
        'x-shopify-hmac-sha256': signShopify(shopifyBody, 'shpss_test'),
        'x-shopify-topic': 'orders/create',
        'x-shopify-event-id': 'shop-evt-1',
      },
    }),
    badSignature: () => ({
      body: shopifyBody,
      headers: { 'x-shopify-hmac-sha256': 'AAAA', 'x-shopify-topic': 'orders/create' },
    }),
  },
  {
    provider: 'zendesk',
    valid: () => ({
      body: zendeskBody,
      headers: {
        'x-zendesk-webhook-signature': signZendesk(zendeskBody, 'zd_test', NOW),
        'x-zendesk-webhook-signature-timestamp': NOW,
      },
    }),
    badSignature: () => ({
      body: zendeskBody,
      headers: {
        'x-zendesk-webhook-signature': signZendesk(zendeskBody, 'nope', NOW),
        'x-zendesk-webhook-signature-timestamp': NOW,
      },
    }),
    stale: () => {
      const ts = '2026-01-01T09:50:00.000Z';
      return {
        body: zendeskBody,
        headers: {
          'x-zendesk-webhook-signature': signZendesk(zendeskBody, 'zd_test', ts),
          'x-zendesk-webhook-signature-timestamp': ts,
        },
      };
    },
  },
  {
    provider: 'hubspot',
    valid: () => ({
      body: hubspotBody,
      headers: {
        host: 'api.c360.example',
        'x-hubspot-signature-v3': signHubspot(
          'POST',
          'https://api.c360.example/webhooks/hubspot',
          hubspotBody,
          'hs_test',
          Date.parse(NOW),
        ),
        'x-hubspot-request-timestamp': String(Date.parse(NOW)),
      },
    }),
    badSignature: () => ({
      body: hubspotBody,
      headers: {
        host: 'api.c360.example',
        'x-hubspot-signature-v3': 'bad',
        'x-hubspot-request-timestamp': String(Date.parse(NOW)),
      },
    }),
    stale: () => {
      const ts = Date.parse(NOW) - 6 * 60_000;
      return {
        body: hubspotBody,
        headers: {
          host: 'api.c360.example',
          'x-hubspot-signature-v3': signHubspot(
            'POST',
            'https://api.c360.example/webhooks/hubspot',
            hubspotBody,
            'hs_test',
            ts,
          ),
          'x-hubspot-request-timestamp': String(ts),
        },
      };
    },
  },
];

describe.each(cases)('webhook $provider', (c) => {
  const post = (
    h: ReturnType<typeof webhooksUnderTest>['handler'],
    r: { body: string; headers: Record<string, string> },
  ) => h(apiEvent({ path: `/webhooks/${c.provider}`, body: r.body, headers: r.headers }));

  it('accepts a correctly signed payload into the stream as one envelope', async () => {
    const { handler, stream } = webhooksUnderTest();
    const res = await post(handler, c.valid());
    expect(res.statusCode).toBe(200);
    const [env] = envelopes(stream);
    expect(env).toMatchObject({
      v: 1,
      kind: 'webhook',
      source: c.provider,
      provider: c.provider,
      receivedAt: NOW,
    });
    // The body travels exactly as received (signature re-checkable, ids above 2^53 intact).
    expect(env?.body).toBe(c.valid().body);
    expect(env?.payload).toBeUndefined();
  });

  it('401 with the reason for a bad or missing signature', async () => {
    const { handler, stream } = webhooksUnderTest();
    const bad = await post(handler, c.badSignature());
    expect(bad.statusCode).toBe(401);
    expect(parseBody(bad).error).toBe('signature mismatch');
    const missing = await post(handler, { body: c.valid().body, headers: {} });
    expect(missing.statusCode).toBe(401);
    expect(parseBody(missing).error).toMatch(/^missing /);
    expect(stream.records).toHaveLength(0);
  });

  if (c.stale) {
    it('401 "timestamp outside tolerance" for a stale timestamp', async () => {
      const { handler } = webhooksUnderTest();
      const res = await post(handler, c.stale!());
      expect(res.statusCode).toBe(401);
      expect(parseBody(res).error).toBe('timestamp outside tolerance');
    });
  }

  it('a replay of an accepted event is 200 with no second record', async () => {
    const { handler, stream } = webhooksUnderTest();
    await post(handler, c.valid());
    const again = await post(handler, c.valid());
    expect(again.statusCode).toBe(200);
    expect(parseBody(again)).toMatchObject({ duplicate: true });
    expect(stream.records).toHaveLength(1);
  });

  it('413 with the limit for an oversized body', async () => {
    const { handler } = webhooksUnderTest({ maxBodyBytes: 50 });
    const res = await post(handler, c.valid());
    expect(res.statusCode).toBe(413);
    expect(parseBody(res)).toMatchObject({ limitBytes: 50 });
  });
});

describe('webhook edge cases', () => {
  it('400 for malformed JSON behind a valid signature', async () => {
    const { handler } = webhooksUnderTest();
    const body = '{"id": "evt_1", ';
    const res = await handler(
      apiEvent({
        path: '/webhooks/stripe',
        body,
        headers: { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S) },
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(parseBody(res).error).toBe('request body is not valid JSON');
  });

  it('accepts any v1 during secret rotation, and an old secret still configured', async () => {
    const { handler } = webhooksUnderTest();
    const body = stripeEvent('charge.succeeded', 'charge', 'evt_rot');
    const header = `${signStripe(body, 'whsec_unknown', NOW_S)},v1=${signStripe(body, 'whsec_old', NOW_S).split('v1=')[1]}`;
    const res = await handler(
      apiEvent({ path: '/webhooks/stripe', body, headers: { 'stripe-signature': header } }),
    );
    expect(res.statusCode).toBe(200);
  });

  it('404 for an unknown provider, 405 for GET, 503 when the stream is down', async () => {
    const { handler } = webhooksUnderTest();
    expect((await handler(apiEvent({ path: '/webhooks/myspace', body: '{}' }))).statusCode).toBe(404);
    expect((await handler(apiEvent({ method: 'GET', path: '/webhooks/stripe' }))).statusCode).toBe(405);
    const down = webhooksUnderTest({
      stream: {
        put: async () => {
          throw new DownstreamUnavailableError('stream down');
        },
      },
    });
    const body = stripeEvent('charge.succeeded', 'charge');
    const res = await down.handler(
      apiEvent({
        path: '/webhooks/stripe',
        body,
        headers: { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S) },
      }),
    );
    expect(res.statusCode).toBe(503);
    // Not remembered: the provider's retry is accepted once the stream is back.
    const retry = await down.handler(
      apiEvent({
        path: '/webhooks/stripe',
        body,
        headers: { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S) },
      }),
    );
    expect(retry.statusCode).toBe(503);
  });
});

describe('replay protection that holds', () => {
  const shopify = (body: string, eventId: string) =>
    apiEvent({
      path: '/webhooks/shopify',
      body,
      headers: {
        'x-shopify-hmac-sha256': signShopify(body, 'shpss_test'),
        'x-shopify-topic': 'orders/paid',
        'x-shopify-event-id': eventId,
      },
    });

  it('Shopify: a captured body replayed with a new (unsigned) event-id header is still a replay', async () => {
    const { handler, stream } = webhooksUnderTest();
    expect(parseBody(await handler(shopify(shopifyBody, 'evt-a')))).toMatchObject({ success: true });
    const replay = await handler(shopify(shopifyBody, 'evt-forged'));
    expect(replay.statusCode).toBe(200);
    expect(parseBody(replay)).toMatchObject({ duplicate: true });
    expect(stream.records).toHaveLength(1);
  });

  it('postbacks: the same request again is a replay; a different one is not', async () => {
    const { handler, stream } = webhooksUnderTest();
    const get = (query: string) =>
      handler(apiEvent({ method: 'GET', path: '/postbacks/appsflyer/af-token', query }));
    await get('event_name=install&appsflyer_id=af-1');
    expect(parseBody(await get('event_name=install&appsflyer_id=af-1'))).toMatchObject({ duplicate: true });
    await get('event_name=install&appsflyer_id=af-2');
    expect(stream.records).toHaveLength(2);
  });

  it('two concurrent deliveries: one is written, the other is told to retry (never a 200 that could lose it)', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const written: unknown[] = [];
    const { handler } = webhooksUnderTest({
      stream: {
        put: async (records) => {
          await gate;
          written.push(...records);
          return { written: records.length, calls: 1, retried: 0 };
        },
      },
    });
    const body = stripeEvent('charge.succeeded', 'charge', 'evt_race');
    const req = () =>
      handler(
        apiEvent({
          path: '/webhooks/stripe',
          body,
          headers: { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S) },
        }),
      );
    const first = req();
    const second = await req();
    expect(second.statusCode).toBe(503);
    expect(second.headers?.['retry-after']).toBe('1');
    release();
    expect((await first).statusCode).toBe(200);
    expect(written).toHaveLength(1);
    // The provider's retry of the second now finds it accepted.
    expect(parseBody(await req())).toMatchObject({ duplicate: true });
  });

  it('413 when the body cannot fit a stream record with its envelope', async () => {
    const { handler, stream } = webhooksUnderTest({ maxBodyBytes: 2 * 1024 * 1024 });
    const body = JSON.stringify({
      id: 'evt_big',
      type: 'charge.succeeded',
      data: { object: { note: 'x'.repeat(1024 * 1024) } },
    });
    const res = await handler(
      apiEvent({
        path: '/webhooks/stripe',
        body,
        headers: { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S) },
      }),
    );
    expect(res.statusCode).toBe(413);
    expect(parseBody(res)).toMatchObject({ limitBytes: 1024 * 1024 });
    expect(stream.records).toHaveLength(0);
    // Nothing was remembered: a smaller retry under the same event id is accepted.
    const small = JSON.stringify({ id: 'evt_big', type: 'charge.succeeded', data: { object: {} } });
    expect(
      (
        await handler(
          apiEvent({
            path: '/webhooks/stripe',
            body: small,
            headers: { 'stripe-signature': signStripe(small, 'whsec_test', NOW_S) },
          }),
        )
      ).statusCode,
    ).toBe(200);
  });
});

describe('postbacks', () => {
  it('GET: query parameters kept verbatim, unknown fields kept', async () => {
    const { handler, stream } = webhooksUnderTest();
    const query =
      'event_name=install&appsflyer_id=af-1&media_source=facebook&campaign=spring&af_cost_value=1.25&my_field=x';
    const res = await handler(apiEvent({ method: 'GET', path: '/postbacks/appsflyer/af-token', query }));
    expect(res.statusCode).toBe(200);
    const [env] = envelopes(stream) as RawEnvelope[];
    expect(env).toMatchObject({ kind: 'postback', provider: 'appsflyer', rawQuery: query });
    expect(env?.payload).toMatchObject({ my_field: 'x', af_cost_value: '1.25' });
  });

  it('POST JSON merges with the query; IP allowlist 403; bad token 401; unknown network 404; empty 400', async () => {
    const { handler, stream } = webhooksUnderTest();
    const ok = await handler(
      apiEvent({
        path: '/postbacks/adjust/adj-token',
        query: 'activity_kind=install',
        body: JSON.stringify({ adid: 'a1', network_name: 'Google' }),
        sourceIp: '198.51.100.20',
      }),
    );
    expect(ok.statusCode).toBe(200);
    expect(envelopes(stream)[0]?.payload).toEqual({
      activity_kind: 'install',
      adid: 'a1',
      network_name: 'Google',
    });
    const blocked = await handler(
      apiEvent({ path: '/postbacks/adjust/adj-token', body: '{"a":1}', sourceIp: '203.0.113.1' }),
    );
    expect(blocked.statusCode).toBe(403);
    expect(parseBody(blocked).error).toContain('203.0.113.1');
    const badToken = await handler(
      apiEvent({ method: 'GET', path: '/postbacks/appsflyer/nope', query: 'a=1' }),
    );
    expect(badToken.statusCode).toBe(401);
    expect(parseBody(badToken).error).toBe('invalid postback token');
    expect(
      (await handler(apiEvent({ method: 'GET', path: '/postbacks/tiktok/x', query: 'a=1' }))).statusCode,
    ).toBe(404);
    expect(
      (await handler(apiEvent({ method: 'GET', path: '/postbacks/generic/gen-token' }))).statusCode,
    ).toBe(400);
    // Names of Object.prototype members are unknown networks and providers, not crashes (found by the fuzz test).
    for (const name of ['valueOf', 'constructor', '__proto__', 'toString']) {
      expect(
        (await handler(apiEvent({ method: 'GET', path: `/postbacks/${name}/x`, query: 'a=1' }))).statusCode,
      ).toBe(404);
      expect((await handler(apiEvent({ path: `/webhooks/${name}`, body: '{}' }))).statusCode).toBe(404);
    }
  });
});
