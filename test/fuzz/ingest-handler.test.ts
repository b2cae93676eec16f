import fc from 'fast-check';
import { apiEvent, basic, parseBody } from '../helpers/http';
import { envelopes, ingestUnderTest, WRITE_KEY } from '../helpers/ingest';

/** Hostile and random requests: never a 5xx, never a throw, every 4xx names the problem. */

const validMessage = fc.record({
  type: fc.constantFrom('track', 'identify', 'page', 'screen'),
  event: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
  userId: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.nat()),
  messageId: fc.uuid(),
  properties: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
});

const hostileValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.string({ maxLength: 5 }).map((s) => `${s}\u0000${s}`),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
  fc.constant('x'.repeat(40_000)),
  fc.integer({ min: 1, max: 60 }).map((d) => JSON.parse(`${'['.repeat(d)}${']'.repeat(d)}`)),
);

/** A message with one field replaced by something hostile. */
const brokenMessage = fc
  .tuple(
    validMessage,
    fc.constantFrom('type', 'event', 'userId', 'messageId', 'properties', 'timestamp', 'context', 'sentAt'),
    hostileValue,
  )
  .map(([m, field, v]) => ({ ...m, [field]: v }));

const anyBody = fc.oneof(
  fc.integer({ min: 100, max: 20_000 }).map((d) => Buffer.from(`{"batch":${'['.repeat(d)}${']'.repeat(d)}}`)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc
    .array(fc.oneof(validMessage, brokenMessage), { maxLength: 8 })
    .map((batch) => Buffer.from(JSON.stringify({ batch })))
    .chain((b) => fc.nat(b.length).map((cut) => (cut % 3 === 0 ? b.subarray(0, cut) : b))),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'text/plain',
      'text/xml',
      '',
      'application/json; charset=utf-8',
      '\u0000',
    ),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'zstd'),
    authorization: fc.oneof(
      fc.constant(basic(WRITE_KEY).authorization),
      fc.constant('Basic'),
      fc.constant('Bearer x'),
      fc.string({ maxLength: 40 }),
      fc.constant(`Basic ${Buffer.from('\u0000:').toString('base64')}`),
    ),
  },
  { requiredKeys: [] },
);

describe('ingest handler under fuzzing', () => {
  it('never answers 5xx or throws for hostile requests; every 4xx says why; stream = accepted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/batch', '/v1/track', '/v1/identify', '/v1/nope', '/v2/batch'),
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT'),
        anyBody,
        headers,
        async (path, method, body, hdrs) => {
          const { handler, stream } = ingestUnderTest();
          const res = await handler(
            apiEvent({ path, method, body, headers: hdrs as Record<string, string> }),
          );
          expect(res.statusCode).toBeLessThan(500);
          const parsed = parseBody(res);
          if ((res.statusCode ?? 0) >= 400) {
            expect(typeof parsed.error).toBe('string');
            expect((parsed.error as string).length).toBeGreaterThan(5);
          }
          const accepted = typeof parsed.accepted === 'number' ? parsed.accepted : 0;
          expect(stream.records).toHaveLength(accepted);
        },
      ),
      { numRuns: 2500, seed: 2026 },
    );
  });

  it('writes every valid event of a mixed batch exactly once, plain or gzip', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            validMessage.map((m) => ({ m, ok: true })),
            brokenMessage.map((m) => ({ m, ok: false })),
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.boolean(),
        async (items, gzip) => {
          const { handler, stream } = ingestUnderTest();
          const batch = items.map((i) => i.m);
          const res = await handler(
            apiEvent({ path: '/v1/batch', body: JSON.stringify({ batch }), headers: basic(WRITE_KEY), gzip }),
          );
          expect(res.statusCode).toBeLessThan(500);
          const body = parseBody(res);
          const rejected = new Set(((body.rejected as { index: number }[]) ?? []).map((r) => r.index));
          const written = envelopes(stream).map((e) => (e.payload as { messageId: string }).messageId);
          // Every event not rejected is written once, in order; every valid-by-construction one is among them.
          // (a null messageId is replaced by a generated one)
          const expected = batch
            .filter((_, i) => !rejected.has(i))
            .map((m, i) => (typeof m.messageId === 'string' && m.messageId ? m.messageId : written[i]));
          expect(written).toEqual(expected);
          items.forEach((item, i) => {
            if (item.ok) expect(rejected.has(i)).toBe(false);
          });
          expect(res.statusCode).toBe(rejected.size > 0 ? 400 : 200);
        },
      ),
      { numRuns: 1500, seed: 7 },
    );
  });
});
