import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbProfileStore } from '../../../src/adapters/local/lmdb-profile-store';
import { EmfMetrics, LocalLogger } from '../../../src/adapters/local/telemetry';
import { Pseudonymizer } from '../../../src/domain/enrich/pii';
import type { CanonicalEvent, RawEnvelope } from '../../../src/domain/event';
import { suppressionHash } from '../../../src/domain/privacy/erasure';
import { nodeOf, RECENT_EVENTS } from '../../../src/domain/profile';
import { createProfileStreamHandler } from '../../../src/handlers/profile-stream';
import { enrichUnderTest, TEST_PII_KEY } from '../../helpers/enrich';
import { kinesisEvent, segmentEnvelope } from '../../helpers/kinesis';

const p = new Pseudonymizer(TEST_PII_KEY);
let dir: string;
let store: LmdbProfileStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'c360-profile-stream-'));
  store = new LmdbProfileStore(dir, 'test-profile-store-secret');
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function handler(suppressed: string[] = []) {
  return createProfileStreamHandler({
    store,
    pseudonymizer: p,
    suppression: { load: async () => new Set(suppressed), add: async () => {} },
    logger: new LocalLogger('test', 'silent'),
    metrics: new EmfMetrics('c360', 'test'),
    now: () => new Date('2026-01-01T10:00:10Z'),
  });
}

/** What enrich stores in bronze for the same envelopes: the independent reference for keys and traits. */
async function bronzeOf(envelopes: RawEnvelope[]): Promise<CanonicalEvent[]> {
  const { handler: enrich, delivery } = enrichUnderTest();
  await enrich(kinesisEvent(envelopes));
  return delivery.items.map((i) => JSON.parse(i.line) as CanonicalEvent);
}

const identify = (
  messageId: string,
  userId: string | null,
  anonymousId: string,
  traits: Record<string, unknown>,
  at: string,
  trust: 'client' | 'server' = 'client',
) =>
  segmentEnvelope(
    { type: 'identify', messageId, userId, anonymousId, traits, timestamp: at, event: undefined },
    { eventId: messageId, trust },
  );

describe('profile stream', () => {
  it("keeps a profile's keys and traits exactly as enrich stores them in bronze, and its recent events", async () => {
    const envs = [
      identify(
        'm1',
        'u-ada',
        'anon-1',
        { email: 'Ada@Example.com', firstName: 'Ada', plan: 'pro' },
        '2026-01-01T09:00:00Z',
        'server',
      ),
      segmentEnvelope(
        { messageId: 'm2', userId: 'u-ada', anonymousId: 'anon-1', timestamp: '2026-01-01T09:05:00Z' },
        { eventId: 'm2' },
      ),
    ];
    const stats = await handler()(kinesisEvent(envs));
    expect(stats).toMatchObject({ events: 2, applied: 2, profiles: 1, refusedClaims: 0 });
    const bronze = await bronzeOf(envs);
    const keys = [...new Set(bronze.flatMap((e) => e.identities.map(nodeOf)))];
    const held = await store.customersOf(keys);
    expect(held.size).toBe(keys.length);
    const [customerId] = [...new Set(held.values())];
    expect(new Set(held.values()).size).toBe(1);
    const live = (await store.live([customerId as string])).get(customerId as string);
    expect(live?.identities.sort()).toEqual(keys.sort());
    // The traits as bronze holds them: the email and the name pseudonymized, the plan as sent.
    expect(live?.traits).toEqual(bronze[0]?.traits);
    expect(JSON.stringify(live)).not.toMatch(/Ada@|"Ada"/);
    expect(live?.recentEvents.map((r) => r.eventId)).toEqual(bronze.map((e) => e.eventId).reverse());
    expect(live?.lastSeen).toBe(bronze[1]?.timestamp);
  });

  it("a forged client-side identify with a held email does not pull that person into the forger's profile", async () => {
    const h = handler();
    await h(
      kinesisEvent([
        identify('v1', 'victim', 'anon-v', { email: 'victim@example.com' }, '2026-01-01T09:00:00Z', 'server'),
      ]),
    );
    const emailKey = `email_hash:${p.email('victim@example.com').hash}`;
    const victim = (await store.customersOf([emailKey])).get(emailKey);
    expect(victim).toBeDefined();
    const stats = await h(
      kinesisEvent(
        [identify('f1', null, 'anon-attacker', { email: 'victim@example.com' }, '2026-01-01T09:10:00Z')],
        10,
      ),
    );
    expect(stats.refusedClaims).toBe(1);
    const attacker = (await store.customersOf(['anonymous_id:anon-attacker'])).get(
      'anonymous_id:anon-attacker',
    );
    expect(attacker).toBeDefined();
    expect(attacker).not.toBe(victim);
    // The email still finds the victim, whose profile did not gain the attacker's device.
    expect((await store.customersOf([emailKey])).get(emailKey)).toBe(victim);
    const v = (await store.live([victim as string])).get(victim as string);
    expect(v?.identities).not.toContain('anonymous_id:anon-attacker');
    expect(v?.recentEvents.map((r) => r.eventId)).toEqual(['v1']);
    // A client-side email nobody holds yet still links its device (a newsletter form).
    await h(
      kinesisEvent(
        [identify('n1', null, 'anon-new', { email: 'new@example.com' }, '2026-01-01T09:20:00Z')],
        20,
      ),
    );
    const newKey = `email_hash:${p.email('new@example.com').hash}`;
    expect((await store.customersOf([newKey])).get(newKey)).toBe(
      (await store.customersOf(['anonymous_id:anon-new'])).get('anonymous_id:anon-new'),
    );
  });

  it('a redelivered batch changes nothing; recent events stay capped, newest first; erased people and bots stay out', async () => {
    const h = handler([suppressionHash(p, 'user_id', 'gone')]);
    const envs = Array.from({ length: RECENT_EVENTS + 5 }, (_, i) =>
      segmentEnvelope(
        {
          messageId: `e${i}`,
          userId: 'u-many',
          timestamp: `2026-01-01T09:${String(i).padStart(2, '0')}:00Z`,
        },
        { eventId: `e${i}` },
      ),
    );
    await h(kinesisEvent(envs));
    const cid = (await store.customersOf(['user_id:u-many'])).get('user_id:u-many') as string;
    const first = (await store.live([cid])).get(cid);
    await h(kinesisEvent(envs));
    const again = (await store.live([cid])).get(cid);
    expect(again?.recentEvents).toEqual(first?.recentEvents);
    expect(first?.recentEvents.map((r) => r.eventId)).toEqual(
      envs
        .slice(-RECENT_EVENTS)
        .map((e) => e.eventId)
        .reverse(),
    );
    await h(
      kinesisEvent(
        [
          segmentEnvelope({ messageId: 'g1', userId: 'gone' }, { eventId: 'g1' }),
          segmentEnvelope(
            { messageId: 'b1', userId: 'a-bot' },
            { eventId: 'b1', userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
          ),
        ],
        100,
      ),
    );
    expect((await store.customersOf(['user_id:gone', 'user_id:a-bot'])).size).toBe(0);
  });
});
