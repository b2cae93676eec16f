import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FolderObjectStore } from '../../src/adapters/local/object-store';
import type { QuarantineRecord } from '../../src/domain/event';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { fixedClock } from '../../src/ports/clock';
import { createLocalEnrichHandler, drainStream, localVaultKeys } from '../../src/runtime/local-enrich';
import { listQuarantineFiles, originalOf, readQuarantineFile } from '../../src/runtime/quarantine';
import { signHubspot } from '../../src/sources/hubspot/signature';
import { signShopify } from '../../src/sources/shopify/signature';
import { signStripe } from '../../src/sources/stripe/signature';
import { signZendesk } from '../../src/sources/zendesk/signature';
import { apiEvent } from '../helpers/http';
import { NOW, NOW_S, webhooksUnderTest } from '../helpers/webhooks';

/**
 * Real published payloads (test/fixtures/real/SOURCES.md), signed and posted to the webhook
 * handler, enriched into a lake and run through the ETL: exact ids and amounts in gold. Expected
 * values are read off the fixture files themselves (the raw text, for ids above 2^53).
 */
const REAL = join(__dirname, '../fixtures/real');
const raw = (f: string) => readFileSync(join(REAL, f), 'utf8');
const stripeFixtures = JSON.parse(raw('stripe/fixtures.json')) as Record<string, Record<string, unknown>>;

function stripeEvent(
  id: string,
  type: string,
  object: Record<string, unknown>,
  created = NOW_S - 60,
): string {
  return JSON.stringify({ id, object: 'event', type, created, data: { object } });
}

async function post(
  handler: ReturnType<typeof webhooksUnderTest>['handler'],
  provider: string,
  body: string,
  headers: Record<string, string>,
) {
  const res = await handler(apiEvent({ path: `/webhooks/${provider}`, body, headers }));
  expect(res.statusCode).toBe(200);
}

describe('real provider payloads end to end (signed → bronze → silver → gold)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-real-'));
    const { handler, stream } = webhooksUnderTest();

    // Shopify: the test notification (order 820982911946154508, voided + cancelled) as orders/create
    // and orders/cancelled, and a second order whose id differs only past 2^53's precision.
    const shopify = raw('shopify/orders-test-notification.json').trim();
    const twin = shopify
      .replace('{"id":820982911946154508,', '{"id":820982911946154509,')
      .replace('"financial_status":"voided"', '"financial_status":"paid"')
      .replace('"cancelled_at":"2022-04-05T16:54:56+02:00"', '"cancelled_at":null');
    for (const [body, topic, eventId] of [
      [shopify, 'orders/create', 'shop-evt-1'],
      [shopify, 'orders/cancelled', 'shop-evt-2'],
      [twin, 'orders/paid', 'shop-evt-3'],
    ] as const) {
      await post(handler, 'shopify', body, {
        'x-shopify-hmac-sha256': signShopify(body, 'shpss_test'),
        'x-shopify-topic': topic,
        'x-shopify-event-id': eventId,
      });
    }

    // Stripe: one payment reported by charge.succeeded and payment_intent.succeeded (one order);
    // two partial refunds reported by charge.refunded twice (amount_refunded is cumulative).
    const charge = {
      ...stripeFixtures.charge,
      captured: true,
      amount: 5000,
      amount_captured: 5000,
      payment_intent: 'pi_real_1',
      customer: 'cus_real_1',
    };
    const pi = {
      ...stripeFixtures.payment_intent,
      id: 'pi_real_1',
      amount: 5000,
      amount_received: 5000,
      currency: 'usd',
      customer: 'cus_real_1',
    };
    const refund = stripeFixtures.refund as Record<string, unknown>;
    const r1 = { ...refund, id: 're_real_1', amount: 1000, status: 'succeeded', created: NOW_S - 50 };
    const r2 = { ...refund, id: 're_real_2', amount: 1500, status: 'succeeded', created: NOW_S - 40 };
    const refunded1 = {
      ...charge,
      amount_refunded: 1000,
      refunded: false,
      refunds: { object: 'list', data: [r1] },
    };
    const refunded2 = {
      ...charge,
      amount_refunded: 2500,
      refunded: false,
      refunds: { object: 'list', data: [r2, r1] },
    };
    // invoice.paid of the same payment without a top-level payment_intent: the PaymentIntent is
    // found on the expanded charge, so it is the same order.
    const invoice = {
      ...stripeFixtures.invoice,
      status: 'paid',
      amount_paid: 5000,
      customer: 'cus_real_1',
      payment_intent: null,
      charge: { ...stripeFixtures.charge, payment_intent: 'pi_real_1' },
    };
    for (const body of [
      stripeEvent('evt_real_0', 'invoice.paid', invoice),
      stripeEvent('evt_real_1', 'charge.succeeded', charge),
      stripeEvent('evt_real_2', 'payment_intent.succeeded', pi),
      stripeEvent('evt_real_3', 'charge.refunded', refunded1),
      stripeEvent('evt_real_4', 'charge.refunded', refunded2),
    ]) {
      await post(handler, 'stripe', body, { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S) });
    }

    // HubSpot: the documented batch, a delivered change, and a batch where one event is a company
    // creation (not modelled): only that one is quarantined.
    const mixed = JSON.stringify([
      ...JSON.parse(raw('hubspot/lead-status-change.json')).map((e: Record<string, unknown>) => ({
        ...e,
        eventId: 4083751834,
      })),
      {
        eventId: 999,
        subscriptionType: 'company.creation',
        objectId: 42,
        portalId: 33,
        occurredAt: 1462216307945,
      },
    ]);
    for (const body of [
      raw('hubspot/contact-batch.json').trim(),
      raw('hubspot/lead-status-change.json').trim(),
      mixed,
    ]) {
      const ts = Date.parse(NOW);
      const uri = 'https://localhost/webhooks/hubspot';
      await post(handler, 'hubspot', body, {
        host: 'localhost',
        'x-hubspot-request-timestamp': String(ts),
        'x-hubspot-signature-v3': signHubspot('POST', uri, body, 'hs_test', ts),
      });
    }

    // Zendesk: a ticket with no requester (still a ticket), and a user event (not a ticket).
    for (const body of [
      raw('zendesk/ticket-created.json').trim(),
      raw('zendesk/user-active-changed.json').trim(),
    ]) {
      await post(handler, 'zendesk', body, {
        'x-zendesk-webhook-signature': signZendesk(body, 'zd_test', NOW),
        'x-zendesk-webhook-signature-timestamp': NOW,
      });
    }

    // AppsFlyer: the install push, posted as JSON.
    const af = await handler(
      apiEvent({ path: '/postbacks/appsflyer/af-token', body: raw('appsflyer/install-push.json').trim() }),
    );
    expect(af.statusCode).toBe(200);

    const afEvent = await handler(
      apiEvent({
        path: '/postbacks/appsflyer/af-token',
        body: raw('appsflyer/push-api-in-app-event.json').trim(),
      }),
    );
    expect(afEvent.statusCode).toBe(200);
    // Adjust: a GET callback from an allowed IP, without activity_kind.
    const adj = await handler(
      apiEvent({
        method: 'GET',
        path: '/postbacks/adjust/adj-token',
        query: raw('adjust/callback-no-activity-kind.query').trim(),
        sourceIp: '198.51.100.9',
      }),
    );
    expect(adj.statusCode).toBe(200);

    const clock = fixedClock('2026-01-01T10:00:05.000Z');
    await drainStream({
      stream,
      handler: createLocalEnrichHandler(dir, { clock, geo: false }),
      checkpointFile: join(dir, 'cp'),
    });
    await runEtl({ lakeDir: join(dir, 'lake'), from: '2014-01-01', to: '2026-12-31' });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function gold(sql: string) {
    const engine = await openDuckDb();
    try {
      await registerLakeViews(engine, join(dir, 'lake'));
      return await engine.rows(sql);
    } finally {
      engine.close();
    }
  }

  it('Shopify: ids above 2^53 survive to gold exactly; a voided/cancelled order is kept but is not revenue', async () => {
    const id = /^\{"id":(\d+),/.exec(raw('shopify/orders-test-notification.json'))?.[1];
    expect(id).toBe('820982911946154508');
    const rows = await gold(
      "SELECT order_id, status, amount_minor, currency, gross_usd, state_events FROM gold.fact_orders WHERE provider = 'shopify' ORDER BY order_id",
    );
    expect(rows).toEqual([
      // total_price "254.98" EUR → 25498 minor units. The same signed body sent again under
      // orders/cancelled is a replay (Shopify's id headers are not signed), so one state event.
      {
        order_id: id,
        status: 'cancelled',
        amount_minor: '25498',
        currency: 'EUR',
        gross_usd: '0.00',
        state_events: '1',
      },
      {
        order_id: '820982911946154509',
        status: 'paid',
        amount_minor: '25498',
        currency: 'EUR',
        gross_usd: '275.38',
        state_events: '1',
      },
    ]);
    // 254.98 EUR at the reference rate (1.08 USD/EUR) = 275.3784 → 275.38.
    expect(Math.round(254.98 * 1.08 * 100) / 100).toBe(275.38);
  });

  it('Shopify: the order lines reach gold.fact_order_items with product ids above 2^53 exact', async () => {
    const text = raw('shopify/orders-test-notification.json');
    const lineItems = text.slice(text.indexOf('"line_items":'));
    // Expected lines off the raw text: product id digits, sku, price and quantity as sent.
    const field = (chunk: string, name: string) => new RegExp(`"${name}":"?([^",]+)`).exec(chunk)?.[1];
    const expected = lineItems
      .split('{"id":')
      .slice(1, 3)
      .map((item) => ({
        product_id: field(item, 'product_id'),
        sku: field(item, 'sku'),
        quantity: Number(field(item, 'quantity')),
        unit_price_minor: String(Math.round(Number(field(item, 'price')) * 100)),
      }));
    expect(expected).toHaveLength(2);
    expect(BigInt(expected[0]?.product_id as string) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const rows = await gold(
      "SELECT order_key, product_id, sku, quantity, CAST(unit_price_minor AS VARCHAR) AS unit_price_minor, is_revenue FROM gold.fact_order_items WHERE order_key LIKE 'shopify:%' ORDER BY order_key, line_no",
    );
    const forOrder = (id: string, revenue: boolean) =>
      expected.map((l) => ({ order_key: `shopify:${id}`, ...l, is_revenue: revenue }));
    // Each order once (the replayed create/cancel body adds no second copy of its lines).
    expect(rows).toEqual([...forOrder('820982911946154508', false), ...forOrder('820982911946154509', true)]);
  });

  it('Stripe: one payment is one order; each refund counts once with its own amount', async () => {
    expect(
      await gold(
        "SELECT order_id, status, state_events, gross_usd, refunded_usd, refunds, net_usd FROM gold.fact_orders WHERE provider = 'stripe'",
      ),
    ).toEqual([
      {
        order_id: 'pi_real_1',
        status: 'paid',
        // invoice.paid, charge.succeeded and payment_intent.succeeded of one payment.
        state_events: '3',
        gross_usd: '50.00',
        refunded_usd: '25.00',
        refunds: '2',
        net_usd: '25.00',
      },
    ]);
  });

  it('HubSpot: every contact event of a batch is stored; the unmodelled one alone is quarantined', async () => {
    const contacts = await gold(
      "SELECT event_name, entity_id, lifecycle_stage FROM silver.events WHERE event_type = 'crm_contact' ORDER BY event_id",
    );
    expect(contacts).toEqual(
      expect.arrayContaining([
        { event_name: 'contact.property_change', entity_id: '1246965', lifecycle_stage: 'subscriber' },
        { event_name: 'contact.created', entity_id: '1246978', lifecycle_stage: null },
        { event_name: 'contact.property_change', entity_id: '8501', lifecycle_stage: null },
      ]),
    );
    expect(contacts).toHaveLength(4);
    const q = (
      await Promise.all((await listQuarantineFiles(join(dir, 'lake'))).map((f) => readQuarantineFile(f.path)))
    ).flat();
    const hub = q.filter((r) => r.source === 'hubspot');
    expect(hub.map((r) => r.reason)).toEqual(['unknown_type']);
    expect(hub[0]?.detail).toContain('company.creation');
    expect(hub[0]?.detail).toContain('payload item /1');
  });

  it('Zendesk: a ticket without a requester is a ticket (status normalized); a user event is quarantined', async () => {
    expect(await gold('SELECT ticket_id, customer_id, status FROM gold.fact_support_tickets')).toEqual([
      { ticket_id: '35436', customer_id: null, status: 'open' },
    ]);
    const q = (
      await Promise.all((await listQuarantineFiles(join(dir, 'lake'))).map((f) => readQuarantineFile(f.path)))
    ).flat();
    expect(q.filter((r) => r.source === 'zendesk').map((r) => r.reason)).toEqual(['unknown_type']);
  });

  it('AppsFlyer: zone-less install_time and event_time are UTC whatever the host zone', async () => {
    expect(
      await gold(
        "SELECT CAST(ts AS VARCHAR) AS ts, action FROM silver.events WHERE event_type = 'ad_attribution' AND network = 'appsflyer' ORDER BY ts",
      ),
    ).toEqual([
      { ts: '2014-10-01 06:15:16', action: 'install' },
      // event_time_selected_timezone in the same payload says "+0000".
      { ts: '2020-01-15 14:57:24.898', action: 'in_app_event' },
    ]);
  });

  it('Adjust: a callback without activity_kind is the event it names, not an install', async () => {
    expect(
      await gold("SELECT CAST(ts AS VARCHAR) AS ts, action FROM silver.events WHERE network = 'adjust'"),
    ).toEqual([{ ts: '2014-07-01 11:37:45', action: 'in_app_event' }]);
    expect(new Date(1404214665 * 1000).toISOString()).toBe('2014-07-01T11:37:45.000Z');
  });

  it('no clear-text email, name or full IP from the payloads reaches bronze, silver or gold', async () => {
    const shop = JSON.parse(raw('shopify/orders-test-notification.json')) as {
      email: string;
      customer: { email: string; first_name: string; last_name: string };
    };
    const af = JSON.parse(raw('appsflyer/install-push.json')) as { ip: string };
    const secrets = [
      shop.email,
      shop.customer.email,
      `"${shop.customer.first_name}"`,
      `"${shop.customer.last_name}"`,
      af.ip,
      encodeURIComponent(shop.email),
    ];
    const lake = join(dir, 'lake');
    const files = (readdirSync(lake, { recursive: true }) as string[]).filter(
      (f) => /^(bronze|silver|gold)\//.test(f) && /\.(gz|parquet)$/.test(f),
    );
    expect(files.some((f) => f.startsWith('bronze/'))).toBe(true);
    let text = '';
    for (const f of files.filter((f) => f.endsWith('.gz')))
      text += gunzipSync(readFileSync(join(lake, f))).toString();
    const engine = await openDuckDb();
    try {
      for (const f of files.filter((f) => f.endsWith('.parquet')))
        text += JSON.stringify(await engine.rows(`SELECT * FROM read_parquet('${join(lake, f)}')`));
    } finally {
      engine.close();
    }
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of secrets)
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    // The IP keeps its /24, the email its domain (joins and geography still work).
    expect(text).toContain(af.ip.replace(/\.\d+$/, '.0'));
    expect(text).toMatch(/[0-9a-f]{64}@doe\.ca/);
  });

  it('quarantine keeps a webhook body byte for byte', async () => {
    const q = (
      await Promise.all((await listQuarantineFiles(join(dir, 'lake'))).map((f) => readQuarantineFile(f.path)))
    ).flat();
    const zd = q.find((r) => r.source === 'zendesk') as QuarantineRecord;
    // Stored sealed (no clear text in quarantine); opened with the data folder's vault key.
    expect(zd.original).toBe('');
    expect(zd.sealedOriginal).toMatch(/^v1\./);
    const original = await originalOf(
      zd,
      new FolderObjectStore(join(dir, 'lake')),
      localVaultKeys(join(dir, 'state')),
    );
    expect((JSON.parse(original) as { body?: string }).body).toBe(
      raw('zendesk/user-active-changed.json').trim(),
    );
  });
});
