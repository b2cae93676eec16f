import { StaticWriteKeys, TokenBucketLimiter } from '../../../src/adapters/write-keys';
import { DownstreamUnavailableError } from '../../../src/domain/errors';
import type { CanonicalEvent } from '../../../src/domain/event';
import { fixedClock } from '../../../src/ports/clock';
import { enrichUnderTest } from '../../helpers/enrich';
import { apiEvent, basic, parseBody } from '../../helpers/http';
import { envelopes, ingestUnderTest, WRITE_KEY } from '../../helpers/ingest';
import { kinesisEvent } from '../../helpers/kinesis';

const track = (i: number) => ({
  type: 'track',
  event: 'Product Viewed',
  userId: `user-${i}`,
  messageId: `m-${i}`,
  properties: { sku: `sku-${i}`, price: 12.5 },
  context: { library: { name: 'analytics-node', version: '1.0' } },
  originalTimestamp: '2026-01-01T09:59:58.000Z',
});

describe('ingest handler (Segment tracking API)', () => {
  it('accepts a batch, writes one envelope per event, answers 200 after the write', async () => {
    const { handler, stream, metrics } = ingestUnderTest();
    const body = JSON.stringify({ batch: [track(1), track(2)], sentAt: '2026-01-01T10:00:00.000Z' });

    const res = await handler(
      apiEvent({ path: '/v1/batch', body, headers: { ...basic(WRITE_KEY), 'user-agent': 'ua/1' } }),
    );

    expect(res.statusCode).toBe(200);
    expect(parseBody(res)).toEqual({ success: true, accepted: 2 });
    const env = envelopes(stream);
    expect(env).toHaveLength(2);
    expect(env[0]).toMatchObject({
      v: 1,
      kind: 'segment',
      source: 'web',
      receivedAt: '2026-01-01T10:00:02.000Z',
      requestId: 'req-test',
      ip: '203.0.113.7',
      userAgent: 'ua/1',
      eventId: 'm-1',
      payload: { ...track(1), sentAt: '2026-01-01T10:00:00.000Z' },
    });
    expect(stream.records.map((r) => r.partitionKey)).toEqual(['user-1', 'user-2']);
    expect(metrics.published[0]).toMatchObject({ IngestAccepted: 2, IngestRejected: 0, source: 'web' });
  });

  it('accepts gzip bodies (base64 from API Gateway)', async () => {
    const { handler, stream } = ingestUnderTest();
    const res = await handler(
      apiEvent({
        path: '/v1/batch',
        body: JSON.stringify({ batch: [track(1)] }),
        headers: basic(WRITE_KEY),
        gzip: true,
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(envelopes(stream)[0]?.payload).toMatchObject({ messageId: 'm-1' });
  });

  it('single-event routes take the type from the path and derive a messageId from the content', async () => {
    const { handler, stream } = ingestUnderTest();
    const send = (sentAt: string) =>
      handler(
        apiEvent({
          path: '/v1/identify',
          body: JSON.stringify({ userId: 42, traits: { plan: 'pro' }, sentAt }),
          headers: basic(WRITE_KEY),
        }),
      );
    expect((await send('2026-01-01T10:00:00Z')).statusCode).toBe(200);
    const first = envelopes(stream)[0]?.payload as Record<string, unknown>;
    expect(first).toMatchObject({ type: 'identify', userId: '42', traits: { plan: 'pro' } });
    expect(first.messageId).toMatch(/^c360-[0-9a-f]{32}$/);
    // The client retries (the SDK restamps sentAt): same id, so the duplicate is recognized.
    await send('2026-01-01T10:00:05Z');
    expect((envelopes(stream)[1]?.payload as Record<string, unknown> | undefined)?.messageId).toBe(
      first.messageId,
    );
    // A different message gets a different id.
    await handler(
      apiEvent({ path: '/v1/identify', body: JSON.stringify({ userId: 43 }), headers: basic(WRITE_KEY) }),
    );
    expect((envelopes(stream)[2]?.payload as Record<string, unknown> | undefined)?.messageId).not.toBe(
      first.messageId,
    );
  });

  it('accepts the write key in the body like Segment does', async () => {
    const { handler } = ingestUnderTest();
    const res = await handler(
      apiEvent({ path: '/v1/track', body: JSON.stringify({ ...track(1), writeKey: 'ios-key' }) }),
    );
    expect(res.statusCode).toBe(200);
  });

  it('400 lists each invalid event by index, field and rule; valid ones are still written', async () => {
    const { handler, stream } = ingestUnderTest();
    const batch = [
      track(1),
      { type: 'track', userId: 'u' },
      { type: 'launch', userId: 'u' },
      track(4),
      { type: 'page' },
    ];
    const res = await handler(
      apiEvent({ path: '/v1/batch', body: JSON.stringify({ batch }), headers: basic(WRITE_KEY) }),
    );

    expect(res.statusCode).toBe(400);
    const body = parseBody(res);
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([
      expect.objectContaining({ index: 1, field: '/event', rule: 'required' }),
      expect.objectContaining({ index: 2, field: '/type', rule: 'enum' }),
      expect.objectContaining({ index: 4, field: '/userId', rule: 'required' }),
    ]);
    expect(envelopes(stream).map((e) => e.eventId)).toEqual(['m-1', 'm-4']);
  });

  it.each([
    [{}, 'missing write key'],
    [basic('nope'), 'unknown write key'],
  ])('401 for a bad key (%#)', async (headers, message) => {
    const { handler, stream } = ingestUnderTest();
    const res = await handler(
      apiEvent({ path: '/v1/batch', body: JSON.stringify({ batch: [track(1)] }), headers }),
    );
    expect(res.statusCode).toBe(401);
    expect(parseBody(res).error).toContain(message);
    expect(stream.records).toHaveLength(0);
  });

  it('an unknown key in the header is rejected before the body is read', async () => {
    const { handler } = ingestUnderTest();
    const res = await handler(
      apiEvent({ path: '/v1/batch', body: 'not json, not gzip', headers: basic('nope') }),
    );
    expect(res.statusCode).toBe(401);
    expect(parseBody(res).error).toBe('unknown write key');
  });

  it('413 names the limit crossed: 500 KB per batch', async () => {
    const { handler } = ingestUnderTest();
    const big = { ...track(1), properties: { blob: 'x'.repeat(20_000) } };
    const body = JSON.stringify({ batch: Array.from({ length: 30 }, () => big) });
    const res = await handler(apiEvent({ path: '/v1/batch', body, headers: basic(WRITE_KEY) }));
    expect(res.statusCode).toBe(413);
    expect(parseBody(res)).toMatchObject({ limitBytes: 512_000, actualBytes: Buffer.byteLength(body) });
  });

  it('413 for a single event over 32 KB; in a batch, the event is rejected by rule', async () => {
    const { handler, stream } = ingestUnderTest();
    const big = { ...track(1), properties: { blob: 'x'.repeat(40_000) } };
    const single = await handler(
      apiEvent({ path: '/v1/track', body: JSON.stringify(big), headers: basic(WRITE_KEY) }),
    );
    expect(single.statusCode).toBe(413);
    expect(parseBody(single).limitBytes).toBe(32_768);

    const batch = await handler(
      apiEvent({
        path: '/v1/batch',
        body: JSON.stringify({ batch: [big, track(2)] }),
        headers: basic(WRITE_KEY),
      }),
    );
    expect(batch.statusCode).toBe(400);
    expect(parseBody(batch).rejected).toEqual([expect.objectContaining({ index: 0, rule: 'maxEventBytes' })]);
    expect(envelopes(stream).map((e) => e.eventId)).toEqual(['m-2']);
  });

  it('400 for invalid JSON and invalid gzip, naming the problem', async () => {
    const { handler } = ingestUnderTest();
    const badJson = await handler(
      apiEvent({ path: '/v1/batch', body: '{"batch":[', headers: basic(WRITE_KEY) }),
    );
    expect(badJson.statusCode).toBe(400);
    expect(parseBody(badJson).error).toBe('request body is not valid JSON');

    const ev = apiEvent({
      path: '/v1/batch',
      body: 'not gzip',
      headers: { ...basic(WRITE_KEY), 'content-encoding': 'gzip' },
    });
    const badGzip = await handler(ev);
    expect(badGzip.statusCode).toBe(400);
    expect(parseBody(badGzip).error).toBe('body is not valid gzip data');
  });

  it('JSON under any declared content type (as real SDKs send it); 400 for a body that is not JSON; 404/405', async () => {
    const { handler, stream } = ingestUnderTest();
    // The RudderStack Node SDK: gzip JSON declared as application/x-www-form-urlencoded.
    const form = await handler(
      apiEvent({
        path: '/v1/batch',
        body: JSON.stringify({ batch: [track(1)] }),
        gzip: true,
        headers: { ...basic(WRITE_KEY), 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect(form.statusCode).toBe(200);
    expect(stream.records).toHaveLength(1);
    const xml = await handler(
      apiEvent({
        path: '/v1/batch',
        body: '<batch/>',
        headers: { ...basic(WRITE_KEY), 'content-type': 'text/xml' },
      }),
    );
    expect(xml.statusCode).toBe(400);
    expect(parseBody(xml).error).toBe('request body is not valid JSON');
    expect((await handler(apiEvent({ path: '/v1/launch', body: '{}' }))).statusCode).toBe(404);
    expect((await handler(apiEvent({ method: 'GET', path: '/v1/batch' }))).statusCode).toBe(405);
  });

  it('/v1/import takes a historical batch like /v1/batch', async () => {
    const { handler, stream } = ingestUnderTest();
    const res = await handler(
      apiEvent({
        path: '/v1/import',
        body: JSON.stringify({ batch: [track(1), track(2)] }),
        headers: basic(WRITE_KEY),
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(stream.records).toHaveLength(2);
  });

  it('CORS: preflight allowed for a configured origin; the response names it only for that source', async () => {
    const { handler } = ingestUnderTest({ corsOrigins: { web: ['https://shop.example'] } });
    const pre = await handler(
      apiEvent({ method: 'OPTIONS', path: '/v1/batch', headers: { origin: 'https://shop.example' } }),
    );
    expect(pre.statusCode).toBe(204);
    expect(pre.headers?.['access-control-allow-origin']).toBe('https://shop.example');
    expect(pre.headers?.['access-control-allow-headers']).toContain('authorization');
    const denied = await handler(
      apiEvent({ method: 'OPTIONS', path: '/v1/batch', headers: { origin: 'https://evil.example' } }),
    );
    expect(denied.statusCode).toBe(403);
    const post = await handler(
      apiEvent({
        path: '/v1/batch',
        body: JSON.stringify({ batch: [track(1)] }),
        headers: { ...basic(WRITE_KEY), origin: 'https://shop.example' },
      }),
    );
    expect(post.statusCode).toBe(200);
    expect(post.headers?.['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('429 when the key is over its rate', async () => {
    const limiter = new TokenBucketLimiter(fixedClock('2026-01-01T00:00:00Z'));
    const { handler } = ingestUnderTest({
      rateLimiter: limiter,
      writeKeys: new StaticWriteKeys({ [WRITE_KEY]: { source: 'web', ratePerSecond: 1, burst: 3 } }),
    });
    const body = JSON.stringify({ batch: [track(1), track(2)] });
    expect((await handler(apiEvent({ path: '/v1/batch', body, headers: basic(WRITE_KEY) }))).statusCode).toBe(
      200,
    );
    const res = await handler(apiEvent({ path: '/v1/batch', body, headers: basic(WRITE_KEY) }));
    expect(res.statusCode).toBe(429);
    expect(res.headers?.['retry-after']).toBe('1');
  });

  it('503 (retryable) when the stream cannot take the records', async () => {
    const failing = {
      put: async () => {
        throw new DownstreamUnavailableError('Kinesis stream s did not accept 1 record(s) after 5 attempts');
      },
    };
    const { handler } = ingestUnderTest({ stream: failing });
    const res = await handler(
      apiEvent({ path: '/v1/track', body: JSON.stringify(track(1)), headers: basic(WRITE_KEY) }),
    );
    expect(res.statusCode).toBe(503);
    expect(parseBody(res).error).toContain('did not accept');
  });

  it('merges batch-level context into each event', async () => {
    const { handler, stream } = ingestUnderTest();
    const body = JSON.stringify({ batch: [track(1)], context: { app: { name: 'shop' } } });
    await handler(apiEvent({ path: '/v1/batch', body, headers: basic(WRITE_KEY) }));
    expect(envelopes(stream)[0]?.payload).toMatchObject({
      context: { app: { name: 'shop' }, library: { name: 'analytics-node', version: '1.0' } },
    });
  });

  it('a time sent without a zone is UTC (the data contract), as on the webhook path: accepted and stored as that instant', async () => {
    const { handler, stream } = ingestUnderTest();
    // Zone-less, as a server library or a hand-written client may send them; the host's zone
    // (the time-zone run sets America/New_York) must not matter.
    const event = {
      ...track(1),
      originalTimestamp: '2026-01-01T09:59:58',
      sentAt: '2026-01-01T10:00:00.250',
    };
    const res = await handler(
      apiEvent({ path: '/v1/batch', body: JSON.stringify({ batch: [event] }), headers: basic(WRITE_KEY) }),
    );
    expect({ status: res.statusCode, body: parseBody(res) }).toEqual({
      status: 200,
      body: { success: true, accepted: 1 },
    });
    const { handler: enrich, delivery, quarantine } = enrichUnderTest();
    const out = await enrich(kinesisEvent(envelopes(stream)));
    expect(out.batchItemFailures).toEqual([]);
    expect(quarantine.items).toHaveLength(0);
    const stored = JSON.parse(delivery.items[0]?.line as string) as CanonicalEvent;
    expect(stored.originalTimestamp).toBe('2026-01-01T09:59:58Z');
    expect(stored.sentAt).toBe('2026-01-01T10:00:00.250Z');
    // The event happened 2.25 s before it was sent; the server received it at 10:00:02 (the
    // test clock), so its time is 09:59:59.750 UTC after the clock-skew correction.
    expect(stored.timestamp).toBe(new Date(Date.UTC(2026, 0, 1, 10, 0, 2) - 2250).toISOString());
  });
});
