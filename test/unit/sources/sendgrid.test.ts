import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalEvent, RawEnvelope } from '../../../src/domain/event';
import { normalize } from '../../../src/domain/normalize';
import { WEBHOOK_SOURCES } from '../../../src/sources';
import { verifySendgrid } from '../../../src/sources/sendgrid/signature';
import { enrichUnderTest } from '../../helpers/enrich';
import { apiEvent } from '../../helpers/http';
import { kinesisEvent } from '../../helpers/kinesis';
import { NOW, webhooksUnderTest } from '../../helpers/webhooks';

/**
 * SendGrid's Event Webhook, the source added through the registry (issue 27): verified with
 * SendGrid's own test vector, its documented and delivered payloads signed, posted, normalized
 * and enriched. Expected values are read off the fixture files.
 */
const REAL = join(__dirname, '../../fixtures/real/sendgrid');
const raw = (f: string) => readFileSync(join(REAL, f), 'utf8');
const vector = JSON.parse(raw('signed-test-vector.json')) as Record<string, string>;
/** A SendGrid batch as the webhook handler puts it on the stream. */
const sendgridEnvelope = (payload: unknown[]): RawEnvelope => ({
  v: 1,
  kind: 'webhook',
  source: 'sendgrid',
  provider: 'sendgrid',
  receivedAt: NOW,
  requestId: 'r',
  body: JSON.stringify(payload),
  payload,
});
const source = WEBHOOK_SOURCES.sendgrid as NonNullable<(typeof WEBHOOK_SOURCES)['sendgrid']>;

describe('SendGrid Event Webhook', () => {
  const at = Number(vector.timestamp) * 1000;
  const body = Buffer.from(vector.payload as string);

  it("verifies SendGrid's own signed test vector, and refuses what its tests refuse", () => {
    const v = (b: Buffer, sig: string, ts: string, keys: string[], now = at) =>
      verifySendgrid(b, sig, ts, keys, now);
    const key = vector.publicKey as string;
    expect(v(body, vector.signature as string, vector.timestamp as string, [key])).toEqual({ ok: true });
    // Several keys (a rotation): the right one among them is enough.
    expect(
      v(body, vector.signature as string, vector.timestamp as string, [vector.otherPublicKey as string, key])
        .ok,
    ).toBe(true);
    expect(
      v(body, vector.signature as string, vector.timestamp as string, [vector.otherPublicKey as string]),
    ).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
    expect(v(Buffer.from('payload'), vector.signature as string, vector.timestamp as string, [key]).ok).toBe(
      false,
    );
    expect(v(body, vector.badSignature as string, vector.timestamp as string, [key]).ok).toBe(false);
    expect(v(body, vector.signature as string, 'timestamp', [key]).ok).toBe(false);
    // The signature covers the timestamp: another one does not verify, an old one is refused first.
    expect(
      v(body, vector.signature as string, String(Number(vector.timestamp) + 1), [key], at + 1000).ok,
    ).toBe(false);
    expect(v(body, vector.signature as string, vector.timestamp as string, [key], at + 301_000)).toEqual({
      ok: false,
      reason: 'timestamp outside tolerance',
    });
    expect(v(body, undefined as unknown as string, vector.timestamp as string, [key]).ok).toBe(false);
    expect(v(body, vector.signature as string, vector.timestamp as string, ['not a key'])).toEqual({
      ok: false,
      reason: 'no usable sendgrid verification key (base64 DER public key expected)',
    });
  });

  it('normalizes each documented event to a track event with its recipient, message and details', () => {
    const events = JSON.parse(raw('docs-event-examples.json')) as Record<string, unknown>[];
    const out = normalize(sendgridEnvelope(events));
    if (!out.ok) throw new Error(out.detail);
    expect(out.events.map((e) => [e.type, e.event, e.properties.emailEvent])).toEqual([
      ['track', 'Email Processed', 'processed'],
      ['track', 'Email Deferred', 'deferred'],
      ['track', 'Email Delivered', 'delivered'],
      ['track', 'Email Opened', 'open'],
      ['track', 'Email Link Clicked', 'click'],
    ]);
    out.events.forEach((e, i) => {
      const src = events[i] as Record<string, unknown>;
      expect(e.eventId).toBe(src.sg_event_id);
      expect(e.traits).toEqual({ email: src.email });
      expect(e.properties.messageId).toBe(src.sg_message_id);
      expect(e.originalTimestamp).toBe(new Date((src.timestamp as number) * 1000).toISOString());
      expect(e.properties.categories).toEqual([src.category]);
    });
    expect(out.events[4]?.properties.url).toBe(events[4]?.url);
    expect(out.events[1]?.properties).toMatchObject({
      reason: events[1]?.response,
      attempt: events[1]?.attempt,
    });
    expect(out.events[3]?.context).toEqual({ userAgent: events[3]?.useragent, ip: events[3]?.ip });
  });

  it('a delivered bounce without a status keeps its type and reason; an unknown event is rejected alone', () => {
    const [bounce] = JSON.parse(raw('bounce-without-status.json')) as Record<string, unknown>[];
    const payload = [
      bounce,
      { event: 'account_status_change', email: 'x@example.com', sg_event_id: 'acc-1' },
    ];
    const out = normalize(sendgridEnvelope(payload));
    if (!out.ok) throw new Error(out.detail);
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({
      eventId: bounce?.sg_event_id,
      event: 'Email Bounced',
      properties: {
        reason: bounce?.reason,
        status: null,
        bounceType: bounce?.type,
        bounceClassification: bounce?.bounce_classification,
      },
    });
    expect(out.rejected).toEqual([expect.objectContaining({ at: '/1', reason: 'unknown_type' })]);
  });

  it('signed, posted, enriched: the recipient only as a token, its email identity, nothing accepted twice', async () => {
    const { handler, stream } = webhooksUnderTest();
    const text = raw('bounce-without-status.json');
    const headers = source.sign(text, source.localKeys.sign, Date.parse(NOW), '');
    const post = () => handler(apiEvent({ path: '/webhooks/sendgrid', body: text, headers }));
    const first = await post();
    expect(first.statusCode).toBe(200);
    const [bounce] = JSON.parse(text) as Record<string, string>[];
    expect(JSON.parse(first.body as string)).toMatchObject({ success: true, eventId: bounce?.sg_event_id });
    // SendGrid retries a batch it got no 2xx for: the same signed body is accepted once.
    expect(JSON.parse((await post()).body as string)).toMatchObject({ duplicate: true });
    // A body changed after signing, or signed with another key, is refused.
    const forged = await handler(
      apiEvent({ path: '/webhooks/sendgrid', body: text.replace('blocked', 'bounce'), headers }),
    );
    expect(forged.statusCode).toBe(401);
    expect(stream.records).toHaveLength(1);

    const { handler: enrich, delivery } = enrichUnderTest();
    const records = kinesisEvent(
      stream.records.map((r) => Buffer.from(r.data, 'base64').toString('utf8')),
    ).Records;
    const res = await enrich.process(records);
    expect(res.failed.size).toBe(0);
    expect(delivery.items).toHaveLength(1);
    const stored = JSON.parse(delivery.items[0]?.line as string) as CanonicalEvent;
    expect(stored.event).toBe('Email Bounced');
    expect(delivery.items[0]?.line).not.toContain(bounce?.email);
    expect(stored.identities.map((i) => i.type)).toContain('email_hash');
  });
});

describe('SendGrid Event Webhook: edges (from StrykerJS survivors)', () => {
  const key = vector.publicKey as string;
  const body = Buffer.from(vector.payload as string);
  const ts = vector.timestamp as string;
  const sig = vector.signature as string;
  const at = Number(ts) * 1000;

  it('says which header is missing or malformed, and the replay window is ±300 s inclusive', () => {
    expect(verifySendgrid(body, undefined, ts, [key], at)).toEqual({
      ok: false,
      reason: 'missing x-twilio-email-event-webhook-signature header',
    });
    for (const bad of [undefined, '', '15887883x7', 'x1588788367', '1588788367x'])
      expect(verifySendgrid(body, sig, bad, [key], at)).toEqual({
        ok: false,
        reason: 'missing or malformed x-twilio-email-event-webhook-timestamp header',
      });
    expect(verifySendgrid(body, sig, ts, [key], at + 300_000)).toEqual({ ok: true });
    expect(verifySendgrid(body, sig, ts, [key], at - 300_000)).toEqual({ ok: true });
    expect(verifySendgrid(body, sig, ts, [key], at + 300_001).ok).toBe(false);
  });

  it('takes the key and the signature with surrounding whitespace, as pasted from the console', () => {
    expect(verifySendgrid(body, ` ${sig}\n`, ts, [` ${key}\n`], at)).toEqual({ ok: true });
  });

  it('an event without a recipient, or of a type named like an object property, is rejected with why', () => {
    const env = sendgridEnvelope;
    const fine = { event: 'open', email: 'a@c360.example', sg_event_id: 'e1', url: 'https://x.example/' };
    const out = normalize(
      env([fine, { event: 'delivered', sg_event_id: 'e2' }, { event: 'toString', email: 'a@c360.example' }]),
    );
    if (!out.ok) throw new Error(out.detail);
    // An open carries no link: the url is a click's only. No category: an empty list.
    expect(out.events[0]?.properties).toMatchObject({ url: null, categories: [] });
    expect(out.rejected).toEqual([
      {
        at: '/1',
        reason: 'schema_violation',
        detail: 'sendgrid: /email is required',
        errors: [{ path: '/email', rule: 'required', message: 'the recipient is required' }],
      },
      { at: '/2', reason: 'unknown_type', detail: 'sendgrid event "toString" is not normalized' },
    ]);
    // Without an sg_event_id (older payloads), the id is derived from the event's content.
    const [a, b] = [
      { ...fine, sg_event_id: undefined },
      { ...fine, sg_event_id: undefined, url: 'https://y.example/' },
    ];
    const ids = [a, b].map(
      (e) => (normalize(env([e])) as { events: { eventId: string }[] }).events[0]?.eventId,
    );
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/); // derived, with no prefix: the namespace is the source's
    expect(ids[1]).not.toBe(ids[0]);
  });

  it("a batch's event id: its events' ids, each once, sorted", () => {
    const req = { body, header: () => undefined, method: 'POST', url: '' };
    expect(
      source.eventId(
        [{ sg_event_id: 'b' }, { sg_event_id: 'a' }, { sg_event_id: 'b' }, { event: 'open' }],
        req,
      ),
    ).toBe('a,b');
    expect(source.eventId([{ event: 'open' }], req)).toBeNull();
    expect(source.eventId({ sg_event_id: 'solo' }, req)).toBe('solo');
  });
});
