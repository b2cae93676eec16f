import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import type { CanonicalEvent, QuarantineRecord } from '../../../src/domain/event';
import { enrichUnderTest } from '../../helpers/enrich';
import { kinesisEvent, segmentEnvelope } from '../../helpers/kinesis';

const lines = <T>(d: { items: { line: string }[] }) => d.items.map((i) => JSON.parse(i.line) as T);

describe('enrich handler', () => {
  it('applies the PII policy by field class: names, street, birthdate, postcode, camelCase and numbered phones, URL-encoded emails, stray IPs', async () => {
    const { handler, delivery } = enrichUnderTest();
    const traits = {
      firstName: 'Grace',
      lastName: 'Hopper',
      name: 'Grace B. Hopper',
      birthday: '1906-12-09',
      address: { street: '1 Navy Yard Rd', city: 'Arlington', postalCode: 'SW1A 1AA', country: 'GB' },
      mobilePhone: '07700 900123',
      homePhone: '020 7946 0018',
      phone1: '4155550100',
    };
    const env = segmentEnvelope({
      type: 'identify',
      messageId: 'm-grace',
      userId: 'u-grace',
      traits,
      properties: { name: 'Hopper T-shirt', relayIp: '203.0.113.77' },
      context: {
        ip: '81.2.69.160',
        page: { url: 'https://shop.example/welcome?email=grace.hopper%40navy.mil&x=1' },
      },
    });
    await handler(kinesisEvent([env]));
    const line = delivery.items[0]?.line ?? '';
    for (const clear of [
      'Grace',
      'Hopper"',
      '1 Navy Yard',
      '12-09',
      'SW1A 1AA',
      '900123',
      '7946',
      '5550100',
      'grace.hopper',
      '203.0.113.77',
    ])
      expect({ clear, found: line.includes(clear) }).toEqual({ clear, found: false });
    const [e] = lines<CanonicalEvent>(delivery);
    const t = e?.traits as Record<string, unknown> & { address: Record<string, unknown> };
    expect(t.firstName).toMatch(/^name:[0-9a-f]{64}$/);
    expect(t.name).toMatch(/^name:[0-9a-f]{64}$/);
    expect(t.address.street).toMatch(/^addr:[0-9a-f]{64}$/);
    expect(t.address).toMatchObject({ city: 'Arlington', postalCode: 'SW1A', country: 'GB' });
    expect(t.birthday).toBe('1906');
    for (const k of ['mobilePhone', 'homePhone', 'phone1']) expect(t[k]).toMatch(/^phone:[0-9a-f]{64}$/);
    // The same person's name gives the same token wherever it appears (joins still work).
    expect(t.lastName).not.toBe(t.firstName);
    // Not personal data: a product's name and the page's other parameters stay as they are.
    expect(e?.properties).toMatchObject({ name: 'Hopper T-shirt', relayIp: '203.0.113.0' });
    expect(JSON.stringify(e?.context)).toMatch(/email=[0-9a-f]{64}%40navy\.mil&x=1/);
  });

  it('turns a Segment envelope into an enriched, pseudonymized canonical event in its partition', async () => {
    const { handler, delivery, quarantine, metrics } = enrichUnderTest();
    const env = segmentEnvelope({
      type: 'identify',
      messageId: 'm-ada',
      userId: 'ada@example.com',
      traits: { email: 'Ada@Example.com', phone: '+44 20 7946 0958', note: 'call me at +1 (415) 555-0100' },
      originalTimestamp: '2026-01-01T09:59:00.000Z',
      sentAt: '2026-01-01T10:00:00.000Z',
      context: {
        ip: '81.2.69.160',
        page: {
          url: 'https://shop.example/?utm_source=google&utm_medium=cpc&gclid=abc',
          referrer: 'https://www.google.com/',
        },
      },
    });

    const res = await handler(kinesisEvent([env]));

    expect(res).toEqual({ batchItemFailures: [] });
    expect(quarantine.items).toHaveLength(0);
    // Partitioned by arrival (receivedAt 10:00:02), although the event happened at 09:59.
    expect(delivery.items[0]?.prefix).toBe(
      'bronze/events/source=web/event_type=identify/dt=2026-01-01/hour=10/',
    );
    const [e] = lines<CanonicalEvent>(delivery);
    expect(e).toMatchObject({
      eventId: 'm-ada',
      type: 'identify',
      timestamp: '2026-01-01T09:59:02.000Z',
      enrichment: {
        ip: '81.2.69.0',
        geo: { country: 'GB', city: 'London' },
        ua: { browser: 'Chrome', os: 'Windows', deviceType: 'desktop', isBot: false },
        campaign: { source: 'google', medium: 'cpc', clickIdType: 'gclid', referrerClass: 'paid' },
      },
      flags: { futureClamped: false, late: false, bot: false },
    });
    expect(e?.traits.email).toMatch(/^[0-9a-f]{64}@example\.com$/);
    expect(e?.userId).toBe(e?.traits.email);
    expect(e?.traits.phone).toMatch(/^phone:[0-9a-f]{64}$/);
    expect(e?.traits.note).toMatch(/^call me at phone:[0-9a-f]{64}$/);
    // The person's own email and phone traits are identities; the number inside the free-text
    // note is pseudonymized but links nobody (it may be anybody's).
    expect(e?.identities.map((i) => i.type).sort()).toEqual(['email_hash', 'phone_hash', 'user_id']);
    const phoneKey = e?.identities.find((i) => i.type === 'phone_hash')?.value;
    expect(e?.traits.phone).toBe(`phone:${phoneKey}`);
    expect(e?.traits.note).not.toContain(phoneKey);
    // No clear-text PII or full IP anywhere in the stored line.
    const line = delivery.items[0]?.line ?? '';
    for (const secret of ['ada@example.com', 'Ada@Example.com', '7946', '555-0100', '81.2.69.160']) {
      expect(line).not.toContain(secret);
    }
    expect(metrics.published[0]).toMatchObject({
      EnrichRecords: 1,
      EnrichDelivered: 1,
      EnrichQuarantined: 0,
    });
  });

  it('quarantines parse errors, unknown types and schema violations with typed reasons and the original', async () => {
    const { handler, delivery, quarantine, metrics } = enrichUnderTest();
    const badJson = '{"v":1,"kind":"segm';
    const unknownProvider = segmentEnvelope({}, { kind: 'webhook', provider: 'myspace', payload: { a: 1 } });
    const badTrack = segmentEnvelope({ messageId: 'm2', event: undefined, type: 'track' });
    const good = segmentEnvelope({ messageId: 'm3' });

    const res = await handler(kinesisEvent([badJson, unknownProvider, badTrack, good]));

    expect(res.batchItemFailures).toEqual([]);
    expect(lines<CanonicalEvent>(delivery).map((e) => e.eventId)).toEqual(['m3']);
    const q = lines<QuarantineRecord>(quarantine);
    expect(q.map((r) => r.reason)).toEqual(['parse_error', 'unknown_type', 'schema_violation']);
    expect(q[0]?.original).toBe(badJson);
    expect(q[1]?.detail).toContain('myspace');
    expect(q[2]?.detail).toContain('/event');
    expect(q[2]?.errors?.[0]).toMatchObject({ path: '/event' });
    expect(quarantine.items[0]?.prefix).toBe('quarantine/reason=parse_error/dt=2026-01-01/');
    // One QuarantinedByReason metric per reason, with the reason as its dimension.
    const byReason = metrics.published
      .filter((m) => 'QuarantinedByReason' in m)
      .map((m) => [m.reason, m.QuarantinedByReason]);
    expect(byReason).toEqual([
      ['parse_error', 1],
      ['unknown_type', 1],
      ['schema_violation', 1],
    ]);
  });

  it('dedupes within a batch and across redeliveries of the same batch', async () => {
    const { handler, delivery, metrics } = enrichUnderTest();
    const batch = kinesisEvent([
      segmentEnvelope({ messageId: 'a' }),
      segmentEnvelope({ messageId: 'a' }),
      segmentEnvelope({ messageId: 'b' }),
    ]);
    await handler(batch);
    await handler(batch);
    expect(lines<CanonicalEvent>(delivery).map((e) => e.eventId)).toEqual(['a', 'b']);
    expect(metrics.published[0]).toMatchObject({ EnrichEvents: 3, EnrichDelivered: 2, EnrichDuplicates: 1 });
    // The redelivered batch is behind the shard's checkpoint: skipped unread, nothing counted twice.
    expect(metrics.published[1]).toMatchObject({
      EnrichEvents: 0,
      EnrichDelivered: 0,
      EnrichDuplicates: 0,
      EnrichRedeliveredRecords: 3,
    });
  });

  it('costs one checkpoint write per batch, whatever its size, and none for a batch already handled', async () => {
    const { handler, checkpoints } = enrichUnderTest();
    const batch = kinesisEvent(Array.from({ length: 50 }, (_, i) => segmentEnvelope({ messageId: `w${i}` })));
    await handler(batch);
    expect(checkpoints.writes).toBe(1);
    await handler(batch);
    expect(checkpoints.writes).toBe(1);
    expect((await checkpoints.get('shardId-000000000000')).through).toBe(
      batch.Records.at(-1)?.kinesis.sequenceNumber,
    );
  });

  it('a checkpoint another writer moved is not overwritten: logged and counted, the batch not failed', async () => {
    const { handler, checkpoints, metrics, delivery } = enrichUnderTest();
    // Another writer moves the shard's checkpoint between this batch's read and its write.
    const stale = Object.assign(Object.create(checkpoints) as typeof checkpoints, {
      put: async (shard: string, next: never, expected: number) => {
        await checkpoints.put(shard, { through: '1', beyond: [] }, expected);
        return checkpoints.put(shard, next, expected);
      },
    });
    const moved = enrichUnderTest({ checkpoints: stale, delivery, metrics });
    const res = await moved.handler(kinesisEvent([segmentEnvelope({ messageId: 'x1' })]));
    expect(res.batchItemFailures).toEqual([]);
    expect(metrics.published.filter((m) => m.CheckpointWriteFailures === 1)).toHaveLength(1);
    expect((await checkpoints.get('shardId-000000000000')).through).toBe('1');
    // A written checkpoint counts no failure.
    await handler(kinesisEvent([segmentEnvelope({ messageId: 'x2' })], 5));
    expect(metrics.published.filter((m) => 'CheckpointWriteFailures' in m)).toHaveLength(1);
  });

  it('a record after the failed one, delivered, is not stored again when Kinesis redelivers it with the failed one', async () => {
    const { handler, delivery, metrics } = enrichUnderTest();
    delivery.failOnce((line) => line.includes('"eventId":"m2"'));
    const batch = kinesisEvent([1, 2, 3, 4].map((i) => segmentEnvelope({ messageId: `m${i}` })));
    await handler(batch);
    await handler({ Records: batch.Records.slice(1) });
    expect(lines<CanonicalEvent>(delivery).map((e) => e.eventId)).toEqual(['m1', 'm3', 'm4', 'm2']);
    expect(metrics.published[1]).toMatchObject({ EnrichEvents: 3, EnrichDelivered: 1, EnrichDuplicates: 2 });
  });

  it('a bisected batch (the function failed: Lambda retries each half) stores every event once', async () => {
    let vaultCalls = 0;
    const failingVault = {
      put: async (bySubject: Map<string, unknown[]>) => {
        vaultCalls++;
        if (vaultCalls === 2) throw new Error('vault throttled');
        return bySubject.size;
      },
    };
    const { handler, delivery } = enrichUnderTest({
      privacy: {
        vault: failingVault as never,
        keys: { wrap: async () => ({}), unwrap: async () => ({}) } as never,
      },
    });
    const batch = kinesisEvent(
      [1, 2, 3, 4, 5, 6].map((i) =>
        segmentEnvelope({
          messageId: `b${i}`,
          type: 'identify',
          userId: `u${i}`,
          traits: { email: `u${i}@example.com` },
        }),
      ),
    );
    const first = { Records: batch.Records.slice(0, 3) };
    const rest = { Records: batch.Records.slice(3) };
    await handler(first);
    // The next batch throws (the vault failed): Lambda bisects it and retries the halves, then the whole.
    await expect(handler(batch)).rejects.toThrow('vault throttled');
    await handler({ Records: batch.Records.slice(0, 3) });
    await handler(rest);
    await handler(batch);
    expect(
      lines<CanonicalEvent>(delivery)
        .map((e) => e.eventId)
        .sort(),
    ).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
  });

  it('reports only records whose delivery failed; their redelivery is delivered once', async () => {
    const { handler, delivery } = enrichUnderTest();
    delivery.failOnce((line) => line.includes('"eventId":"m2"'));
    const batch = kinesisEvent([1, 2, 3].map((i) => segmentEnvelope({ messageId: `m${i}` })));
    const first = await handler(batch);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[1]?.kinesis.sequenceNumber }]);
    // Kinesis redelivers from the failed record on.
    const second = await handler({ Records: batch.Records.slice(1) });
    expect(second.batchItemFailures).toEqual([]);
    expect(
      lines<CanonicalEvent>(delivery)
        .map((e) => e.eventId)
        .sort(),
    ).toEqual(['m1', 'm2', 'm3']);
  });

  it('clamps future times and flags late events', async () => {
    const { handler, delivery } = enrichUnderTest();
    await handler(
      kinesisEvent([
        segmentEnvelope({ messageId: 'f', originalTimestamp: '2027-01-01T00:00:00.000Z' }),
        segmentEnvelope({ messageId: 'l', originalTimestamp: '2025-12-01T00:00:00.000Z' }),
      ]),
    );
    const [f, l] = lines<CanonicalEvent>(delivery);
    expect(f).toMatchObject({
      timestamp: '2026-01-01T10:00:02.000Z',
      flags: { futureClamped: true, late: false },
    });
    expect(l).toMatchObject({ timestamp: '2025-12-01T00:00:00.000Z', flags: { late: true } });
  });
});

describe('enrich handler with a poison record', () => {
  it('quarantines a record whose normalizer throws, mid-batch, and delivers the rest', async () => {
    const { providerNormalizers } = await import('../../../src/domain/normalize/providers');
    providerNormalizers.poison = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    };
    try {
      const { handler, delivery, quarantine, metrics } = enrichUnderTest();
      const poison = segmentEnvelope({}, { kind: 'webhook', provider: 'poison', payload: {} });
      const batch = kinesisEvent([
        segmentEnvelope({ messageId: 'a' }),
        poison,
        segmentEnvelope({ messageId: 'b' }),
      ]);
      const res = await handler(batch);
      expect(res.batchItemFailures).toEqual([]);
      expect(lines<CanonicalEvent>(delivery).map((e) => e.eventId)).toEqual(['a', 'b']);
      const [q] = lines<QuarantineRecord>(quarantine);
      expect(q).toMatchObject({
        reason: 'schema_violation',
        detail: "normalizer failed: Cannot read properties of undefined (reading 'id')",
      });
      expect(JSON.parse(q?.original ?? '{}')).toMatchObject({ provider: 'poison' });
      expect(metrics.published[0]).toMatchObject({
        EnrichRecords: 3,
        EnrichDelivered: 2,
        EnrichQuarantined: 1,
      });
    } finally {
      delete providerNormalizers.poison;
    }
  });
});

describe('oversized quarantine originals', () => {
  it('are stored as an object and referenced, so the quarantine line always fits Firehose', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-orig-'));
    try {
      const { handler, quarantine } = enrichUnderTest({ originals: new FolderObjectStore(dir) });
      const big = { id: 'x', type: 'mystery.event', blob: 'z'.repeat(400 * 1024) };
      const env = {
        v: 1,
        kind: 'webhook',
        source: 'stripe',
        provider: 'stripe',
        receivedAt: '2026-01-01T10:00:00.000Z',
        requestId: 'r',
        body: JSON.stringify(big),
      };
      await handler(kinesisEvent([env as never]));
      const [q] = quarantine.items.map((i) => JSON.parse(i.line) as QuarantineRecord);
      expect(q?.original).toBe('');
      expect(q?.originalBytes).toBeGreaterThan(400 * 1024);
      expect(quarantine.items[0]?.line.length).toBeLessThan(4096);
      // The stored object is the record exactly as it was on the stream.
      expect(await readFile(join(dir, q?.originalRef as string), 'utf8')).toBe(JSON.stringify(env));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
