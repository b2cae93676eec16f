import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeDelivery } from '../../src/adapters/local/lake-delivery';
import { runEtl } from '../../src/etl/runner';
import { WEBHOOK_SOURCES } from '../../src/sources';
import { enrichUnderTest } from '../helpers/enrich';
import { apiEvent } from '../helpers/http';
import { kinesisEvent } from '../helpers/kinesis';
import { queryLake } from '../helpers/lake';
import { NOW, webhooksUnderTest } from '../helpers/webhooks';

/**
 * SendGrid events from the webhook to gold.fact_email_engagement: SendGrid's documented examples
 * (each given its own sg_event_id and a recipient: the documentation's are placeholders, and
 * example@test.com is a junk identity c360 refuses to link on) and a delivered bounce,
 * signed, posted, enriched into a lake and run through the ETL. Expected values come from the
 * fixture files.
 */
const REAL = join(__dirname, '../fixtures/real/sendgrid');
const docs = (
  JSON.parse(readFileSync(join(REAL, 'docs-event-examples.json'), 'utf8')) as Record<string, unknown>[]
).map(
  (e, i): Record<string, unknown> => ({
    ...e,
    sg_event_id: `${e.sg_event_id}-${i}`,
    email: 'grace.hopper@c360.example',
  }),
);
const bounce = JSON.parse(readFileSync(join(REAL, 'bounce-without-status.json'), 'utf8')) as Record<
  string,
  unknown
>[];
const source = WEBHOOK_SOURCES.sendgrid as NonNullable<(typeof WEBHOOK_SOURCES)['sendgrid']>;

describe('SendGrid → gold.fact_email_engagement', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-sendgrid-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('one row per message and recipient: delivered, opens, clicks and bounces as the events said', async () => {
    const { handler, stream } = webhooksUnderTest();
    for (const batch of [docs, bounce]) {
      const body = JSON.stringify(batch);
      const res = await handler(
        apiEvent({
          path: '/webhooks/sendgrid',
          body,
          headers: source.sign(body, source.localKeys.sign, Date.parse(NOW), ''),
        }),
      );
      expect(res.statusCode).toBe(200);
    }
    const { handler: enrich, delivery, quarantine: enrichQ } = enrichUnderTest();
    const out = await enrich.process(
      kinesisEvent(stream.records.map((r) => Buffer.from(r.data, 'base64').toString('utf8'))).Records,
    );
    expect(out.failed.size).toBe(0);
    expect(enrichQ.items.map((i) => (JSON.parse(i.line) as { detail: string }).detail)).toEqual([]);
    expect(delivery.items).toHaveLength(docs.length + bounce.length);
    const lake = join(dir, 'lake');
    await new LakeDelivery(lake).deliver(delivery.items);
    const day = NOW.slice(0, 10);
    await runEtl({ lakeDir: lake, from: day, to: day });

    const rows = await queryLake(
      lake,
      `SELECT message_id, CAST(delivered_at AS VARCHAR) AS delivered_at, opens, clicks, bounced, spam_reported, unsubscribed,
         customer_id IS NOT NULL AS has_customer
       FROM gold.fact_email_engagement ORDER BY message_id`,
    );
    const iso = (t: unknown) =>
      new Date((t as number) * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
    const count = (kind: string) => docs.filter((e) => e.event === kind).length;
    const expected = [
      {
        message_id: bounce[0]?.sg_message_id,
        delivered_at: null,
        opens: '0',
        clicks: '0',
        bounced: true,
        spam_reported: false,
        unsubscribed: false,
        has_customer: true,
      },
      {
        message_id: docs[0]?.sg_message_id,
        delivered_at: iso(docs.find((e) => e.event === 'delivered')?.timestamp),
        opens: String(count('open')),
        clicks: String(count('click')),
        bounced: false,
        spam_reported: false,
        unsubscribed: false,
        has_customer: true,
      },
    ].sort((a, b) => String(a.message_id).localeCompare(String(b.message_id)));
    expect(rows).toEqual(expected);
  });
});
