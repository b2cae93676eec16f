import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LmdbProfileStore } from '../../../src/adapters/local/lmdb-profile-store';
import { LocalLogger } from '../../../src/adapters/local/telemetry';
import { TokenBucketLimiter } from '../../../src/adapters/write-keys';
import { Pseudonymizer } from '../../../src/domain/enrich/pii';
import type { ComputedProfile, LiveProfile } from '../../../src/domain/profile';
import { HashedReadKeys } from '../../../src/domain/read-keys';
import { createProfileApiHandler } from '../../../src/handlers/profile-api';
import { fixedClock } from '../../../src/ports/clock';
import { TEST_PII_KEY } from '../../helpers/enrich';

const p = new Pseudonymizer(TEST_PII_KEY);
const emailKey = `email_hash:${p.email('ada@example.com').hash}`;
let dir: string;
let store: LmdbProfileStore;

const live: LiveProfile = {
  customerId: 'c_ada',
  identities: ['user_id:u-ada', emailKey, 'anonymous_id:a1'],
  traits: { email: p.email('ada@example.com').token, plan: 'pro' },
  firstSeen: '2026-01-01T09:00:00.000Z',
  lastSeen: '2026-01-02T09:00:00.000Z',
  recentEvents: [
    { eventId: 'm1', type: 'track', event: 'Product Viewed', source: 'web', at: '2026-01-02T09:00:00.000Z' },
  ],
  updatedAt: '2026-01-02T09:00:01.000Z',
};
const computed: ComputedProfile = {
  customerId: 'c_ada',
  identities: ['user_id:u-ada', emailKey, 'stripe_customer:cus_1'],
  segment: 'champions',
  lifecycleStage: 'customer',
  country: 'GB',
  firstSeen: '2025-12-01T00:00:00Z',
  lastSeen: '2026-01-01T00:00:00Z',
  orders: 4,
  netUsd: '120.10',
  churnProbability: 0.12,
  pAlive: 0.95,
  clv12mUsd: '88.40',
  expectedPurchases90d: 1.2,
  modelVersion: 'v1',
  scoredAt: '2026-01-01',
  recommendations: ['P-1'],
  audiences: ['best_customers'],
  computedAt: '2026-01-02T03:00:00.000Z',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'c360-profile-api-'));
  store = new LmdbProfileStore(dir, 'test-profile-store-secret');
  await store.writeComputed(new Map(computed.identities.map((n) => [n, 'c_ada'])), [computed]);
  await store.writeLive(new Map(live.identities.map((n) => [n, 'c_ada'])), [live]);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function api(now = fixedClock('2026-01-02T10:00:00Z')) {
  return createProfileApiHandler({
    readKeys: {
      resolve: async (k) =>
        HashedReadKeys.fromClearKeys({
          'rk-shop': { name: 'shop', ratePerSecond: 1, burst: 4 },
          'rk-off': { name: 'off', disabled: true },
        }).resolve(k),
    },
    limiter: new TokenBucketLimiter(now),
    store,
    pseudonymizer: p,
    logger: new LocalLogger('test', 'silent'),
  });
}

const get = (id: string, authorization?: string) =>
  ({
    version: '2.0',
    routeKey: 'GET /v1/profiles/{id}',
    rawPath: `/v1/profiles/${encodeURIComponent(id)}`,
    rawQueryString: '',
    headers: authorization ? { authorization } : {},
    pathParameters: { id },
    requestContext: { http: { method: 'GET' } },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

const body = (r: { body?: string }) => JSON.parse(r.body ?? '{}');

describe('profile API', () => {
  it('finds one profile by user id, by clear email (hashed as enrich hashes it), by a provider id and by customer id', async () => {
    const h = api();
    const answers = [];
    for (const id of [
      'user_id:u-ada',
      'email:Ada@Example.com',
      'stripe_customer:cus_1',
      'customer_id:c_ada',
    ]) {
      const r = await h(get(id, 'Bearer rk-shop'));
      if (typeof r === 'string') throw new Error('structured result expected');
      expect(r.statusCode).toBe(200);
      expect(r.headers?.['cache-control']).toBe('no-store');
      answers.push(body(r));
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    const a = answers[0];
    expect(a.customer_id).toBe('c_ada');
    // Both halves: the union of their identities, the live traits and events, the computed scores.
    expect(a.identities).toEqual([...new Set([...computed.identities, ...live.identities])].sort());
    expect(a.traits).toEqual(live.traits);
    expect(a.recent_events).toEqual(live.recentEvents);
    expect(a.computed.churn_probability).toBe(computed.churnProbability);
    expect(a.computed.clv_12m_usd).toBe(computed.clv12mUsd);
    expect(a.audiences).toEqual(computed.audiences);
    expect(a.first_seen).toBe(computed.firstSeen);
    expect(a.last_seen).toBe(live.lastSeen);
    expect(JSON.stringify(a)).not.toMatch(/ada@example\.com/i);
  });

  it('answers 401 without a key, 403 for a write key or a disabled key, 429 over the key rate, 400 and 404 without the value', async () => {
    const h = api();
    const status = async (id: string, auth?: string) => {
      const r = await h(get(id, auth));
      if (typeof r === 'string') throw new Error('structured result expected');
      return { status: r.statusCode, error: body(r).error as string };
    };
    expect((await status('user_id:u-ada')).status).toBe(401);
    expect(await status('user_id:u-ada', 'Bearer a-write-key')).toEqual({
      status: 403,
      error: 'not a read key (write keys cannot read profiles)',
    });
    expect((await status('user_id:u-ada', 'Bearer rk-off')).status).toBe(403);
    expect((await status('nonsense', 'Bearer rk-shop')).status).toBe(400);
    expect((await status('phone_number:1', 'Bearer rk-shop')).error).toMatch(
      /unknown identifier type "phone_number"/,
    );
    const missing = await status('email:nobody@example.com', 'Bearer rk-shop');
    expect(missing).toEqual({ status: 404, error: 'no profile for this email' });
    // Basic auth with the key as user works too; then the burst of 4 is spent (the clock is fixed).
    const basic = `Basic ${Buffer.from('rk-shop:').toString('base64')}`;
    expect((await status('user_id:u-ada', basic)).status).toBe(200);
    expect(await status('user_id:u-ada', basic)).toEqual({
      status: 429,
      error: 'read key shop is over its rate of 1 requests/s',
    });
  });
});
