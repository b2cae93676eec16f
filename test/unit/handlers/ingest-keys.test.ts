import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../../../src/adapters/local/secrets';
import {
  MemoryDailyQuota,
  SecretWriteKeys,
  StaticWriteKeys,
  TokenBucketLimiter,
} from '../../../src/adapters/write-keys';
import type { CanonicalEvent } from '../../../src/domain/event';
import type { Clock } from '../../../src/ports/clock';
import {
  addKey,
  ensureKeyTable,
  LOCAL_WRITE_KEYS_SECRET,
  localKeyTableFile,
  setDisabled,
} from '../../../src/runtime/write-key-table';
import { enrichUnderTest } from '../../helpers/enrich';
import { apiEvent, basic, parseBody } from '../../helpers/http';
import { envelopes, ingestUnderTest } from '../../helpers/ingest';
import { kinesisEvent } from '../../helpers/kinesis';

/** A clock the test moves. */
function movableClock(start: string): Clock & { advance(ms: number): void } {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
  };
}

const tracks = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Product Viewed',
    userId: 'u1',
    messageId: `${prefix}-${i}`,
  }));

const post = (handler: ReturnType<typeof ingestUnderTest>['handler'], key: string, batch: unknown[]) =>
  handler(apiEvent({ path: '/v1/batch', body: JSON.stringify({ batch }), headers: basic(key) }));

describe('write keys: a flood from one key is throttled while the others are served', () => {
  it('a key over its own rate gets 429 naming it; another key at the same moment gets 200', async () => {
    const clock = movableClock('2026-03-01T10:00:00Z');
    const { handler, stream, metrics } = ingestUnderTest({
      clock,
      writeKeys: new StaticWriteKeys({
        noisy: { source: 'web', trust: 'client', name: 'web-noisy', ratePerSecond: 10, burst: 30 },
        quiet: { source: 'ios', trust: 'client', name: 'ios-main' },
      }),
      rateLimiter: new TokenBucketLimiter(clock),
    });
    const noisy: number[] = [];
    const quiet: number[] = [];
    // Ten batches of 10 from the flooding key, interleaved with the other key's, in one instant.
    for (let i = 0; i < 10; i++) {
      noisy.push((await post(handler, 'noisy', tracks(`n${i}`, 10))).statusCode ?? 0);
      quiet.push((await post(handler, 'quiet', tracks(`q${i}`, 10))).statusCode ?? 0);
    }
    // The burst (30) admits the first three batches, nothing more until tokens refill.
    expect(noisy).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    expect(quiet).toEqual(Array(10).fill(200));
    const refused = await post(handler, 'noisy', tracks('n-late', 10));
    expect(parseBody(refused).error).toMatch(
      /write key "web-noisy" \(source "web"\) is over its rate of 10 events\/s/,
    );
    // One second later 10 tokens are back: one batch of 10 fits, a second does not.
    clock.advance(1000);
    expect((await post(handler, 'noisy', tracks('n-after', 10))).statusCode).toBe(200);
    expect((await post(handler, 'noisy', tracks('n-after2', 10))).statusCode).toBe(429);
    // What reached the stream: exactly the admitted batches.
    const bySource: Record<string, number> = {};
    for (const e of envelopes(stream)) bySource[e.source] = (bySource[e.source] ?? 0) + 1;
    expect(bySource).toEqual({ web: 40, ios: 100 });
    // Throttles are counted per key.
    const throttled = metrics.published.filter((d) => 'IngestThrottled' in d);
    expect(throttled.every((d) => d.writeKey === 'web-noisy' && d.source === 'web')).toBe(true);
    // Counted three ways: the service's total (dashboards, SLOs), per source and per key.
    const emf = throttled[0]?._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] } | undefined;
    expect(emf?.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['service'],
      ['service', 'source'],
      ['service', 'source', 'writeKey'],
    ]);
    expect(throttled.reduce((s, d) => s + (d.IngestThrottled as number), 0)).toBe(7 * 10 + 10 + 10);
    const accepted = metrics.published.filter((d) => d.writeKey === 'ios-main' && 'IngestAccepted' in d);
    expect(accepted.reduce((s, d) => s + (d.IngestAccepted as number), 0)).toBe(100);
  });

  it('a key with a rate and no burst may send twice its rate at once; without a limiter its rate is not enforced here', async () => {
    const clock = movableClock('2026-03-01T10:00:00Z');
    const keys = new StaticWriteKeys({ k: { source: 'web', ratePerSecond: 10 } });
    const limited = ingestUnderTest({
      clock,
      writeKeys: keys,
      rateLimiter: new TokenBucketLimiter(clock),
    });
    expect((await post(limited.handler, 'k', tracks('a', 20))).statusCode).toBe(200);
    expect((await post(limited.handler, 'k', tracks('b', 1))).statusCode).toBe(429);
    const unlimited = ingestUnderTest({ clock, writeKeys: keys });
    for (let i = 0; i < 5; i++)
      expect((await post(unlimited.handler, 'k', tracks(`c${i}`, 20))).statusCode).toBe(200);
  });

  it('a key without a daily quota never touches the quota store', async () => {
    const quota = { consume: jest.fn(async () => false) };
    const { handler } = ingestUnderTest({ writeKeys: new StaticWriteKeys({ k: 'web' }), quota });
    expect((await post(handler, 'k', tracks('a', 3))).statusCode).toBe(200);
    expect(quota.consume).not.toHaveBeenCalled();
  });

  it('a daily quota is exact across requests, refuses without counting, and resets at midnight UTC', async () => {
    const clock = movableClock('2026-03-01T23:59:00Z');
    const { handler, stream } = ingestUnderTest({
      clock,
      writeKeys: new StaticWriteKeys({ partner: { source: 'partner', trust: 'server', dailyQuota: 25 } }),
      quota: new MemoryDailyQuota(),
    });
    expect((await post(handler, 'partner', tracks('a', 10))).statusCode).toBe(200);
    clock.advance(30_000); // the same UTC day: one count
    expect((await post(handler, 'partner', tracks('b', 10))).statusCode).toBe(200);
    clock.advance(29_000);
    const over = await post(handler, 'partner', tracks('c', 10));
    expect(over.statusCode).toBe(429);
    expect(parseBody(over).error).toMatch(/used its daily quota of 25 events; it resets at 00:00 UTC/);
    // The refused batch counted nothing: 5 more still fit today.
    expect((await post(handler, 'partner', tracks('d', 5))).statusCode).toBe(200);
    expect((await post(handler, 'partner', tracks('e', 1))).statusCode).toBe(429);
    clock.advance(1_000); // 2026-03-02T00:00Z
    expect((await post(handler, 'partner', tracks('f', 25))).statusCode).toBe(200);
    expect(envelopes(stream)).toHaveLength(10 + 10 + 5 + 25);
  });
});

describe('write keys: disabled without a deploy', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-keys-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('a key disabled in the table is refused (403) on the next read of the table, and works again once enabled', async () => {
    const file = localKeyTableFile(dir);
    ensureKeyTable(file, {});
    const { key } = await addKey(file, { source: 'web', trust: 'client', name: 'web-2026' });
    const { key: other } = await addKey(file, { source: 'ios', trust: 'client' });
    const clock = movableClock('2026-03-01T10:00:00Z');
    const { handler, metrics } = ingestUnderTest({
      clock,
      writeKeys: new SecretWriteKeys(new FileSecretStore(dir), LOCAL_WRITE_KEYS_SECRET, 2000, clock),
    });
    expect((await post(handler, key, tracks('a', 1))).statusCode).toBe(200);
    await setDisabled(file, 'web-2026', true);
    clock.advance(2001);
    const refused = await post(handler, key, tracks('b', 1));
    expect(refused.statusCode).toBe(403);
    const disabledDoc = metrics.published.find((d) => 'IngestKeyDisabled' in d);
    expect(disabledDoc).toMatchObject({ IngestKeyDisabled: 1, source: 'web', writeKey: 'web-2026' });
    expect(parseBody(refused).error).toMatch(/write key "web-2026" of source "web" is disabled/);
    expect((await post(handler, other, tracks('c', 1))).statusCode).toBe(200);
    await setDisabled(file, 'source:web', false);
    clock.advance(2001);
    expect((await post(handler, key, tracks('d', 1))).statusCode).toBe(200);
  });
});

describe('identity verification: a public key cannot claim a user id', () => {
  const secret = 'a'.repeat(24) + 'identity-secret-0123';
  const keys = new StaticWriteKeys({ shop: { source: 'web', trust: 'client', identitySecret: secret } });
  const hash = (userId: string) => createHmac('sha256', secret).update(userId).digest('hex');

  it("keeps a user id sent with its backend's HMAC; takes a forged one off (the event stays, by its anonymous id); refuses an event left with no id", async () => {
    const { handler, stream, metrics } = ingestUnderTest({ writeKeys: keys });
    const res = await post(handler, 'shop', [
      {
        type: 'identify',
        messageId: 'ok',
        userId: 'u-1',
        anonymousId: 'a-1',
        context: { userIdHash: hash('u-1') },
      },
      // Upper-case hex is the same hash.
      {
        type: 'track',
        event: 'Viewed',
        messageId: 'ok-upper',
        userId: 'u-1',
        context: { userIdHash: hash('u-1').toUpperCase() },
      },
      // Someone else's user id with the attacker's own hash, or none at all.
      {
        type: 'identify',
        messageId: 'forged',
        userId: 'victim',
        anonymousId: 'a-2',
        context: { userIdHash: hash('u-1') },
      },
      { type: 'track', event: 'Viewed', messageId: 'bare', userId: 'victim', anonymousId: 'a-3' },
      // No anonymous id to keep the event by; an alias says nothing without its user id.
      { type: 'track', event: 'Viewed', messageId: 'lost', userId: 'victim' },
      { type: 'alias', messageId: 'alias', userId: 'victim', previousId: 'a-2', anonymousId: 'a-2' },
    ]);
    expect(res.statusCode).toBe(400);
    const body = parseBody(res) as {
      accepted: number;
      rejected: { index: number; field: string; rule: string; message: string }[];
    };
    expect(body.accepted).toBe(4);
    expect(body.rejected.map((r) => [r.index, r.field, r.rule])).toEqual([
      [4, '/context/userIdHash', 'signature'],
      [5, '/context/userIdHash', 'signature'],
    ]);
    expect(body.rejected[0]?.message).toMatch(/HMAC-SHA256\(identity secret, userId\)/);
    const byId = Object.fromEntries(
      envelopes(stream).map((e) => [
        (e.payload as { messageId: string }).messageId,
        e.payload as Record<string, unknown>,
      ]),
    );
    expect(byId.ok?.userId).toBe('u-1');
    expect(byId['ok-upper']?.userId).toBe('u-1');
    expect(byId.forged).toMatchObject({ anonymousId: 'a-2' });
    expect(byId.forged?.userId).toBeUndefined();
    expect(byId.bare?.userId).toBeUndefined();
    const counted = metrics.published.find((d) => 'IngestUnverifiedUserIds' in d);
    expect(counted?.IngestUnverifiedUserIds).toBe(2);
  });

  it('a key without an identity secret takes user ids as sent (the page is trusted to have signed the user in)', async () => {
    const { handler, stream } = ingestUnderTest({ writeKeys: new StaticWriteKeys({ k: 'web' }) });
    expect(
      (await post(handler, 'k', [{ type: 'track', event: 'V', messageId: 'm', userId: 'victim' }]))
        .statusCode,
    ).toBe(200);
    const [sent] = envelopes(stream);
    expect((sent?.payload as { userId?: string } | undefined)?.userId).toBe('victim');
  });

  it('an identity secret shorter than 32 characters is refused where it is configured', () => {
    expect(() => new StaticWriteKeys({ k: { source: 'web', identitySecret: 'short' } })).toThrow(
      /"identitySecret" must be a string of at least 32 characters/,
    );
  });
});

describe('write keys in the body', () => {
  it("a batch's writeKey field works like the header; an unknown or empty one is 401 saying which", async () => {
    const { handler } = ingestUnderTest({ writeKeys: new StaticWriteKeys({ k: 'web' }) });
    const send = (writeKey: unknown) =>
      handler(apiEvent({ path: '/v1/batch', body: JSON.stringify({ writeKey, batch: tracks('x', 1) }) }));
    expect((await send('k')).statusCode).toBe(200);
    const unknown = await send('nope');
    expect([unknown.statusCode, parseBody(unknown).error]).toEqual([401, 'unknown write key']);
    const empty = await send('');
    expect([empty.statusCode, parseBody(empty).error]).toEqual([
      401,
      'missing write key: send it as the HTTP Basic user name',
    ]);
  });
});

describe('trust: a public key cannot claim revenue', () => {
  const order = {
    type: 'track',
    event: 'Order Completed',
    userId: 'victim',
    messageId: 'forged-1',
    properties: {
      order_id: 'o-1',
      total: 9999.99,
      currency: 'USD',
      products: [{ sku: 'A', price: 9999.99 }],
    },
  };

  it("the edge stamps each record with its key's trust; a client-side Order Completed is stored as a track event, not an order", async () => {
    const { handler, stream } = ingestUnderTest({
      writeKeys: new StaticWriteKeys({
        browser: { source: 'web', trust: 'client' },
        backend: { source: 'backend', trust: 'server' },
      }),
    });
    expect((await post(handler, 'browser', [order])).statusCode).toBe(200);
    expect((await post(handler, 'backend', [{ ...order, messageId: 'real-1' }])).statusCode).toBe(200);
    const envs = envelopes(stream);
    expect(envs.map((e) => [e.source, e.trust])).toEqual([
      ['web', 'client'],
      ['backend', 'server'],
    ]);
    const { handler: enrich, delivery } = enrichUnderTest();
    await enrich(kinesisEvent(envs));
    const stored = delivery.items.map((i) => JSON.parse(i.line as string) as CanonicalEvent);
    const forged = stored.find((e) => e.eventId === 'forged-1');
    const real = stored.find((e) => e.eventId === 'real-1');
    // Kept as behaviour, with no amount the lake could count as revenue.
    expect(forged).toMatchObject({ type: 'track', event: 'Order Completed', flags: { trust: 'client' } });
    expect(forged?.properties.amount).toBeUndefined();
    expect(real).toMatchObject({
      type: 'order_completed',
      flags: { trust: 'server' },
      properties: { orderId: 'o-1', amount: 999999, currency: 'USD', status: 'paid' },
    });
  });

  it('a record on the stream without a trust stamp (written before it existed) is client-side when it came through a write key', async () => {
    const { handler: enrich, delivery } = enrichUnderTest();
    const { handler, stream } = ingestUnderTest();
    await post(handler, 'test-write-key', [order]);
    const [env] = envelopes(stream);
    delete (env as { trust?: string }).trust;
    await enrich(kinesisEvent([env as never]));
    const [stored] = delivery.items.map((i) => JSON.parse(i.line as string) as CanonicalEvent);
    expect(stored).toMatchObject({ type: 'track', flags: { trust: 'client' } });
  });
});
