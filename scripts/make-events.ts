/**
 * Writes the sample invocation payloads in events/ (for `sam local invoke -e events/<file>`):
 * API Gateway HTTP API v2 requests for each route and a Kinesis batch for the enrich function.
 * Run: node scripts/build.mjs && node dist/make-events.mjs
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_POSTBACK_TOKEN } from '../src/runtime/local';
import { WEBHOOK_SOURCES } from '../src/sources';

/** The headers a source sends for `body` at the sample time, signed with its dev key. */
function signed(name: string, body: string, path: string): Record<string, string> {
  const source = WEBHOOK_SOURCES[name];
  if (!source) throw new Error(`no webhook source ${name}`);
  return source.sign(body, source.localKeys.sign, Date.parse(at), `https://api.c360.example${path}`);
}

const dir = join(process.cwd(), 'events');
const at = '2026-01-01T10:00:00.000Z';
const apiEvent = (
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
  query = '',
) => ({
  version: '2.0',
  routeKey: `${method} ${path}`,
  rawPath: path,
  rawQueryString: query,
  headers: {
    'content-type': 'application/json',
    host: 'api.c360.example',
    'user-agent': 'analytics-node/3.1.0',
    ...headers,
  },
  requestContext: {
    accountId: '123456789012',
    apiId: 'c360api',
    domainName: 'api.c360.example',
    domainPrefix: 'api',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'analytics-node/3.1.0' },
    requestId: 'sample-request-1',
    routeKey: `${method} ${path}`,
    stage: '$default',
    time: '01/Jan/2026:10:00:00 +0000',
    timeEpoch: Date.parse(at),
  },
  ...(body !== undefined ? { body, isBase64Encoded: false } : { isBase64Encoded: false }),
});
const write = (name: string, v: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(v, null, 2)}\n`);
const basic = `Basic ${Buffer.from('c360-local-write-key:').toString('base64')}`;

write(
  'ingest-batch.json',
  apiEvent(
    'POST',
    '/v1/batch',
    JSON.stringify({
      batch: [
        {
          type: 'identify',
          userId: 'user-1',
          anonymousId: 'anon-1',
          messageId: 'msg-1',
          traits: { email: 'ada@example.com', plan: 'pro' },
          timestamp: at,
        },
        {
          type: 'track',
          userId: 'user-1',
          event: 'Order Completed',
          messageId: 'msg-2',
          properties: { orderId: 'o-1', revenue: 19.99, currency: 'USD' },
          timestamp: at,
        },
        {
          type: 'page',
          anonymousId: 'anon-1',
          messageId: 'msg-3',
          name: 'Home',
          context: {
            page: {
              url: 'https://shop.example/?utm_source=google&utm_medium=cpc',
              referrer: 'https://www.google.com/',
            },
          },
          timestamp: at,
        },
      ],
      sentAt: at,
    }),
    { authorization: basic },
  ),
);
write(
  'ingest-track.json',
  apiEvent(
    'POST',
    '/v1/track',
    JSON.stringify({ userId: 'user-1', event: 'Product Viewed', properties: { sku: 'A-1' } }),
    { authorization: basic },
  ),
);
write(
  'ingest-invalid.json',
  apiEvent('POST', '/v1/batch', JSON.stringify({ batch: [{ type: 'track', userId: 'u' }] }), {
    authorization: basic,
  }),
);

const t = Math.floor(Date.parse(at) / 1000);
const stripeBody = JSON.stringify({
  id: 'evt_sample_1',
  object: 'event',
  type: 'charge.succeeded',
  created: t,
  data: {
    object: {
      id: 'ch_sample_1',
      object: 'charge',
      amount: 1999,
      currency: 'usd',
      customer: 'cus_sample_1',
      payment_intent: 'pi_sample_1',
      billing_details: { email: 'ada@example.com' },
    },
  },
});
write(
  'webhook-stripe.json',
  apiEvent('POST', '/webhooks/stripe', stripeBody, {
    ...signed('stripe', stripeBody, '/webhooks/stripe'),
  }),
);
const shopifyBody = JSON.stringify({
  id: 450789469,
  email: 'bob@example.com',
  currency: 'USD',
  total_price: '59.98',
  created_at: at,
  customer: { id: 207119551 },
  line_items: [{ product_id: 632910392, sku: 'SKU-1', title: 'Shirt', price: '29.99', quantity: 2 }],
});
write(
  'webhook-shopify.json',
  apiEvent('POST', '/webhooks/shopify', shopifyBody, {
    ...signed('shopify', shopifyBody, '/webhooks/shopify'),
    'x-shopify-topic': 'orders/create',
    'x-shopify-event-id': 'shopify-evt-1',
  }),
);
const zendeskBody = JSON.stringify({
  id: 'zd-evt-1',
  type: 'zen:event-type:ticket.created',
  time: at,
  detail: {
    id: '35436',
    status: 'new',
    priority: 'high',
    subject: 'Where is my order?',
    requester_id: '9001',
  },
});
write(
  'webhook-zendesk.json',
  apiEvent('POST', '/webhooks/zendesk', zendeskBody, {
    ...signed('zendesk', zendeskBody, '/webhooks/zendesk'),
  }),
);
const hubspotBody = JSON.stringify([
  {
    eventId: 1,
    subscriptionType: 'contact.creation',
    objectId: 123,
    portalId: 42,
    occurredAt: Date.parse(at),
  },
]);
write(
  'webhook-hubspot.json',
  apiEvent('POST', '/webhooks/hubspot', hubspotBody, {
    ...signed('hubspot', hubspotBody, '/webhooks/hubspot'),
  }),
);
// SendGrid's Event Webhook: a batch as its documentation shows one (a delivery and an open).
const sendgridBody = JSON.stringify([
  {
    email: 'ada@example.com',
    timestamp: Date.parse(at) / 1000,
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    event: 'delivered',
    category: 'cat facts',
    sg_event_id: 'sg-evt-delivered-1',
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
    response: '250 OK',
  },
  {
    email: 'ada@example.com',
    timestamp: Date.parse(at) / 1000 + 60,
    event: 'open',
    category: 'cat facts',
    sg_event_id: 'sg-evt-open-1',
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
    useragent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)',
    ip: '203.0.113.7',
  },
]);
write(
  'webhook-sendgrid.json',
  apiEvent(
    'POST',
    '/webhooks/sendgrid',
    sendgridBody,
    signed('sendgrid', sendgridBody, '/webhooks/sendgrid'),
  ),
);
write(
  'postback-appsflyer.json',
  apiEvent(
    'GET',
    `/postbacks/appsflyer/${LOCAL_POSTBACK_TOKEN}`,
    undefined,
    {},
    'event_name=install&appsflyer_id=af-1&idfa=IDFA-1&customer_user_id=user-1&media_source=googleadwords_int&campaign=spring&af_cost_value=0.35&af_cost_currency=USD',
  ),
);
write(
  'postback-adjust.json',
  apiEvent(
    'POST',
    `/postbacks/adjust/${LOCAL_POSTBACK_TOKEN}`,
    JSON.stringify({
      activity_kind: 'install',
      adid: 'adj-1',
      gps_adid: 'GAID-1',
      network_name: 'Facebook Installs',
      campaign_name: 'spring',
      created_at: t,
    }),
    {},
  ),
);

const envelope = (i: number, payload: Record<string, unknown>) => ({
  v: 1,
  kind: 'segment',
  source: 'web',
  receivedAt: at,
  requestId: 'sample-request-1',
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  payload: { messageId: `msg-${i}`, timestamp: at, ...payload },
  eventId: `msg-${i}`,
});
const records = [
  envelope(1, { type: 'identify', userId: 'user-1', traits: { email: 'ada@example.com' } }),
  envelope(2, { type: 'track', userId: 'user-1', event: 'Product Viewed' }),
  envelope(3, { type: 'track', userId: 'user-1' }), // no event name: quarantined as schema_violation
];
write('kinesis-enrich.json', {
  Records: records.map((r, i) => ({
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'user-1',
      sequenceNumber: `4960000000000000000000000000000000000000000000000${i}`,
      data: Buffer.from(JSON.stringify(r)).toString('base64'),
      approximateArrivalTimestamp: t,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${i}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/c360-enrich',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/c360-events',
  })),
});
process.stdout.write(`wrote sample events to ${dir}\n`);
