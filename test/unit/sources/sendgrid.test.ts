import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalEvent } from '../../../src/domain/event';
import { normalize } from '../../../src/domain/normalize';
import { WEBHOOK_SOURCES } from '../../../src/sources';
import { verifySendgrid } from '../../../src/sources/sendgrid';
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
    const out = normalize({
      v: 1,
      kind: 'webhook',
      source: 'sendgrid',
      provider: 'sendgrid',
      receivedAt: NOW,
      requestId: 'r1',
      body: raw('docs-event-examples.json'),
      payload: events,
    });
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
    const out = normalize({
      v: 1,
      kind: 'webhook',
      source: 'sendgrid',
      provider: 'sendgrid',
      receivedAt: NOW,
      requestId: 'r2',
      body: JSON.stringify(payload),
      payload,
    });
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
