import { Pseudonymizer } from '../../../src/domain/enrich/pii';
import type { CanonicalEvent } from '../../../src/domain/event';
import {
  applyEvent,
  computedFromRow,
  LookupError,
  lookupHashing,
  newCustomerId,
  parseLookup,
  profileAnswer,
  RECENT_EVENTS,
  resolveEvent,
} from '../../../src/domain/profile';
import { HashedReadKeys, parseReadGrant, readKeyOf } from '../../../src/domain/read-keys';
import { hashWriteKey } from '../../../src/domain/write-keys';
import { openDuckDb } from '../../../src/etl/duckdb';

const p = new Pseudonymizer('profile-unit-test-key-0123456789');
const hashing = lookupHashing(p);

function event(
  over: Partial<CanonicalEvent> & { keys?: string[]; trust?: 'client' | 'server' },
): CanonicalEvent {
  const { keys = [], trust = 'server', ...rest } = over;
  return {
    schemaVersion: 1,
    eventId: 'e1',
    type: 'track',
    event: 'Viewed',
    source: 'web',
    kind: 'segment',
    userId: null,
    anonymousId: null,
    originalTimestamp: null,
    sentAt: null,
    receivedAt: '2026-01-01T10:00:00.000Z',
    timestamp: '2026-01-01T10:00:00.000Z',
    context: {},
    properties: {},
    traits: {},
    identities: keys.map((k) => ({
      type: k.slice(0, k.indexOf(':')),
      value: k.slice(k.indexOf(':') + 1),
    })) as never,
    enrichment: { ua: null, geo: null, campaign: null, ip: null },
    flags: { futureClamped: false, late: false, bot: false, trust },
    requestId: 'r',
    ...rest,
  } as CanonicalEvent;
}

describe('profile model', () => {
  it("a new person's customer id is the one the pipeline's identity resolution gives them (its SQL, run here)", async () => {
    const keys = ['user_id:u-1', 'anonymous_id:a-9', 'email_hash:ff00'];
    const db = await openDuckDb();
    try {
      const [r] = await db.rows<{ id: string }>(
        `SELECT concat('c_', substr(md5(min(node)), 1, 16)) AS id FROM (VALUES ${keys.map((k) => `('${k}')`).join(', ')}) t(node)`,
      );
      expect(newCustomerId(keys)).toBe(r?.id);
    } finally {
      db.close();
    }
  });

  it('resolves by the strongest held key; links the keys nobody holds; never merges two customers', () => {
    const held = new Map([
      ['anonymous_id:a1', 'c_device'],
      ['user_id:u1', 'c_account'],
    ]);
    const r = resolveEvent(event({ keys: ['anonymous_id:a1', 'user_id:u1', 'email_hash:e1'] }), held);
    expect(r).toEqual({ customerId: 'c_account', links: ['email_hash:e1'], refused: [] });
    expect(resolveEvent(event({ keys: [] }), held)).toEqual({ customerId: null, links: [], refused: [] });
    const fresh = resolveEvent(event({ keys: ['user_id:new', 'anonymous_id:z'] }), held);
    expect(fresh).toEqual({
      customerId: newCustomerId(['user_id:new', 'anonymous_id:z']),
      links: ['user_id:new', 'anonymous_id:z'],
      refused: [],
    });
  });

  it('a client-side event cannot claim a held email or phone; a server-side one links through it', () => {
    const held = new Map([
      ['email_hash:victim', 'c_victim'],
      ['phone_hash:victim', 'c_victim'],
    ]);
    const forged = resolveEvent(
      event({ keys: ['anonymous_id:att', 'email_hash:victim', 'phone_hash:victim'], trust: 'client' }),
      held,
    );
    expect(forged.refused).toEqual(['email_hash:victim', 'phone_hash:victim']);
    expect(forged.customerId).toBe(newCustomerId(['anonymous_id:att']));
    expect(forged.links).toEqual(['anonymous_id:att']);
    const onlyClaim = resolveEvent(event({ keys: ['email_hash:victim'], trust: 'client' }), held);
    expect(onlyClaim).toEqual({ customerId: null, links: [], refused: ['email_hash:victim'] });
    const server = resolveEvent(
      event({ keys: ['anonymous_id:dev', 'email_hash:victim'], trust: 'server' }),
      held,
    );
    expect(server).toEqual({ customerId: 'c_victim', links: ['anonymous_id:dev'], refused: [] });
    // A client-side user id is an account key, not a claim (identity verification guards it at the edge).
    const user = resolveEvent(
      event({ keys: ['user_id:u1'], trust: 'client' }),
      new Map([['user_id:u1', 'c_u']]),
    );
    expect(user).toEqual({ customerId: 'c_u', links: [], refused: [] });
  });

  it('folds events: latest traits win, first and last seen, recent events newest first, capped, once each', () => {
    let p1 = applyEvent(
      null,
      'c1',
      event({ eventId: 'a', timestamp: '2026-01-02T00:00:00Z', traits: { plan: 'pro', tier: 1 } }),
      ['user_id:u'],
      'now',
    );
    p1 = applyEvent(
      p1,
      'c1',
      event({ eventId: 'b', timestamp: '2026-01-01T00:00:00Z', traits: { plan: 'free', seats: 3 } }),
      [],
      'now',
    );
    expect(p1.traits).toEqual({ plan: 'pro', tier: 1, seats: 3 });
    expect([p1.firstSeen, p1.lastSeen]).toEqual(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']);
    const before = p1;
    p1 = applyEvent(
      p1,
      'c1',
      event({ eventId: 'c', timestamp: '2026-01-03T00:00:00Z', traits: { plan: 'team' } }),
      ['anonymous_id:x', 'user_id:u'],
      'later',
    );
    expect(p1.traits).toEqual({ plan: 'team', tier: 1, seats: 3 });
    expect(p1.identities).toEqual(['user_id:u', 'anonymous_id:x']);
    expect([p1.firstSeen, p1.lastSeen]).toEqual(['2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z']);
    // The profile it was given is not changed (a batch keeps the stored one until it writes).
    expect(before.identities).toEqual(['user_id:u']);
    expect(before.recentEvents.map((r) => r.eventId)).toEqual(['a', 'b']);
    expect(p1.recentEvents[0]).toEqual({
      eventId: 'c',
      type: 'track',
      event: 'Viewed',
      source: 'web',
      at: '2026-01-03T00:00:00Z',
    });
    expect(p1.recentEvents.map((r) => r.eventId)).toEqual(['c', 'a', 'b']);
    expect(p1.updatedAt).toBe('later');
    const again = applyEvent(p1, 'c1', event({ eventId: 'c', timestamp: '2026-01-03T00:00:00Z' }), [], 'x');
    expect(again.recentEvents.length).toBe(3);
    let many = p1;
    for (let i = 0; i < RECENT_EVENTS + 3; i++)
      many = applyEvent(
        many,
        'c1',
        event({ eventId: `m${i}`, timestamp: `2026-02-01T00:00:${String(i).padStart(2, '0')}Z` }),
        [],
        'x',
      );
    expect(many.recentEvents.length).toBe(RECENT_EVENTS);
    expect(many.recentEvents[0]?.eventId).toBe(`m${RECENT_EVENTS + 2}`);
  });

  it('parses lookups: emails and phones hashed as enrich hashes them, ids scrubbed, bad input named', () => {
    expect(parseLookup('email:Ada@Example.com', hashing)).toEqual({
      kind: 'identity',
      node: `email_hash:${p.email('ada@example.com').hash}`,
    });
    expect(parseLookup('phone:+44 20 7946 0958', hashing)).toEqual({
      kind: 'identity',
      node: `phone_hash:${p.phone('+442079460958').hash}`,
    });
    expect(parseLookup('user_id:ada@example.com', hashing)).toEqual({
      kind: 'identity',
      node: `user_id:${p.email('ada@example.com').token}`,
    });
    expect(parseLookup('user_id:u:1', hashing)).toEqual({ kind: 'identity', node: 'user_id:u:1' });
    expect(parseLookup('stripe_customer:cus_1', hashing)).toEqual({
      kind: 'identity',
      node: 'stripe_customer:cus_1',
    });
    expect(parseLookup('customer_id:c_1', hashing)).toEqual({ kind: 'customer', customerId: 'c_1' });
    expect(parseLookup('anonymous_id:ada@example.com', hashing)).toEqual({
      kind: 'identity',
      node: `anonymous_id:${p.email('ada@example.com').token}`,
    });
    for (const bad of ['nocolon', ':x', 'user_id:', 'fax:1', 'email:not-an-email'])
      expect(() => parseLookup(bad, hashing)).toThrow(LookupError);
    expect(() => parseLookup('nocolon', hashing)).toThrow(
      'expected TYPE:VALUE (TYPE one of customer_id, email, phone, user_id,',
    );
    expect(() => parseLookup('fax:1', hashing)).toThrow(
      'unknown identifier type "fax": use one of customer_id, email, phone, user_id',
    );
    expect(() => parseLookup('email:x', hashing)).toThrow('email: the value is not an email address');
  });

  it('a computed row keeps money as exact text, ranks dropped from recommendations, times in ISO-8601 UTC', () => {
    const c = computedFromRow(
      {
        customer_id: 'c1',
        identities: 'a:1,b:2',
        segment: 's',
        lifecycle_stage: null,
        country: null,
        first_seen_at: '2026-01-01 10:00:00',
        last_seen_at: '2026-01-02',
        orders: '3',
        net_usd: '10.10',
        churn_probability: 0.5,
        p_alive: null,
        clv_12m_usd: '0.30',
        expected_purchases_90d: null,
        model_version: 'v',
        scored_at: '2026-01-02',
        recommendations: '001|P-2,002|P-1',
        audiences: '',
      },
      'T',
    );
    expect(c).toMatchObject({
      identities: ['a:1', 'b:2'],
      firstSeen: '2026-01-01T10:00:00Z',
      lastSeen: '2026-01-02T00:00:00Z',
      orders: 3,
      netUsd: '10.10',
      clv12mUsd: '0.30',
      recommendations: ['P-2', 'P-1'],
      audiences: [],
    });
    const answer = profileAnswer({ customerId: 'c1', live: null, computed: c });
    expect(answer).toMatchObject({
      customer_id: 'c1',
      identities: ['a:1', 'b:2'],
      traits: {},
      recent_events: [],
      audiences: [],
      first_seen: '2026-01-01T10:00:00Z',
    });
    expect(profileAnswer({ customerId: 'c2', live: null, computed: null })).toEqual({
      customer_id: 'c2',
      identities: [],
      traits: {},
      first_seen: null,
      last_seen: null,
      recent_events: [],
      computed: null,
      audiences: [],
    });
    // Both halves: identities joined and sorted, the earliest first seen, the latest last seen.
    const live = applyEvent(
      null,
      'c1',
      event({ eventId: 'z', timestamp: '2026-03-01T00:00:00Z', traits: { plan: 'x' } }),
      ['user_id:0', 'a:1'],
      'now',
    );
    const both = profileAnswer({
      customerId: 'c1',
      live: { ...live, firstSeen: '2025-12-31T00:00:00Z' },
      computed: c,
    });
    expect(both.identities).toEqual(['a:1', 'b:2', 'user_id:0']);
    expect([both.first_seen, both.last_seen]).toEqual(['2025-12-31T00:00:00Z', '2026-03-01T00:00:00Z']);
    const older = profileAnswer({
      customerId: 'c1',
      live: { ...live, lastSeen: '2025-01-01T00:00:00Z' },
      computed: c,
    });
    expect([older.first_seen, older.last_seen]).toEqual(['2026-01-01T10:00:00Z', '2026-01-02T00:00:00Z']);
    expect(both.traits).toEqual({ plan: 'x' });
    expect(both.computed).toEqual({
      segment: 's',
      lifecycle_stage: null,
      country: null,
      orders: 3,
      net_usd: '10.10',
      churn_probability: 0.5,
      p_alive: null,
      clv_12m_usd: '0.30',
      expected_purchases_90d: null,
      recommendations: ['P-2', 'P-1'],
      model_version: 'v',
      scored_at: '2026-01-02',
      computed_at: 'T',
    });
    // A row's missing fields are null, never undefined (the API answers every field).
    const sparse = computedFromRow(
      { customer_id: 'c3', identities: '', recommendations: '', audiences: 'x,y' } as never,
      'T',
    );
    for (const k of [
      'segment',
      'lifecycleStage',
      'country',
      'churnProbability',
      'pAlive',
      'expectedPurchases90d',
      'modelVersion',
      'scoredAt',
      'netUsd',
      'clv12mUsd',
    ] as const)
      expect([k, sparse[k]]).toEqual([k, null]);
    expect(sparse.audiences).toEqual(['x', 'y']);
  });
});

describe('read keys', () => {
  it('parse with defaults, and name what is wrong', () => {
    expect(parseReadGrant('ab'.repeat(32), { name: 'shop' })).toEqual({
      keyId: 'shop',
      ratePerSecond: 100,
      burst: 200,
      disabled: false,
    });
    expect(
      parseReadGrant('ab'.repeat(32), { name: 'shop', ratePerSecond: 5, burst: 7, disabled: true }),
    ).toEqual({ keyId: 'shop', ratePerSecond: 5, burst: 7, disabled: true });
    expect(() => parseReadGrant('abcdef0123456789', 'web')).toThrow('read key abcdef012345…: expected');
    expect(() => parseReadGrant('ab', { name: 'a b' })).toThrow('"name" must be');
    expect(() => parseReadGrant('ab', { name: 'x', source: 'web' })).toThrow('unknown field(s) source');
    expect(() => parseReadGrant('ab', { name: 'x', ratePerSecond: 0 })).toThrow(
      '"ratePerSecond" must be a positive number, got 0',
    );
    expect(() => parseReadGrant('ab', { name: 'x', burst: '5' })).toThrow(
      '"burst" must be a positive number',
    );
    expect(() => parseReadGrant('ab', { name: 'x', disabled: 'yes' })).toThrow(
      '"disabled" must be true or false',
    );
  });

  it('are looked up by the hash of the key (stored in any case), never by the key', () => {
    const table = HashedReadKeys.fromClearKeys({ 'rk-a': { name: 'a' } });
    expect(table.resolve('rk-a')).toEqual({ keyId: 'a', ratePerSecond: 100, burst: 200, disabled: false });
    expect(table.resolve('rk-b')).toBeNull();
    const upper = new HashedReadKeys({ [hashWriteKey('rk-c').toUpperCase()]: { name: 'c' } });
    expect(upper.resolve('rk-c')?.keyId).toBe('c');
    expect(() => new HashedReadKeys({ ab: { name: 'x', extra: 1 } })).toThrow(
      'unknown field(s) extra; allowed: name, ratePerSecond, burst, disabled',
    );
    expect(() => parseReadGrant('ab', { ratePerSecond: 1 })).toThrow('"name" must be 1-64 letters');
    expect(() => parseReadGrant('ab', { name: 'x', ratePerSecond: Number.POSITIVE_INFINITY })).toThrow(
      '"ratePerSecond" must be a positive number',
    );
    expect(() => parseReadGrant('ab', null)).toThrow(
      'expected {"name", "ratePerSecond", "burst", "disabled"}, got null',
    );
    expect(() => parseReadGrant('ab', [])).toThrow('expected {');
  });

  it('take the key from Bearer or from Basic (as user)', () => {
    expect(readKeyOf('  BEARER rk-9  ')).toBe('rk-9');
    expect(readKeyOf('Bearer rk-1')).toBe('rk-1');
    expect(readKeyOf('bearer   rk-1')).toBe('rk-1');
    expect(readKeyOf(`Basic ${Buffer.from('rk-2:').toString('base64')}`)).toBe('rk-2');
    expect(readKeyOf(`Basic ${Buffer.from(':pw').toString('base64')}`)).toBeNull();
    expect(readKeyOf('Token rk-3')).toBeNull();
    expect(readKeyOf('Bearer')).toBeNull();
    expect(readKeyOf(undefined)).toBeNull();
  });
});
