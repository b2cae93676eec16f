import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, KinesisStreamEvent } from 'aws-lambda';
import { MemoryEventStream } from '../../src/adapters/local/file-stream';
import { LocalReplayGuard } from '../../src/adapters/local/replay-guard';
import { ConfigSecretStore } from '../../src/adapters/local/secrets';
import { EmfMetrics, LocalLogger } from '../../src/adapters/local/telemetry';
import { StaticWriteKeys } from '../../src/adapters/write-keys';
import { createIngestHandler } from '../../src/handlers/ingest';
import { createWebhookHandler } from '../../src/handlers/webhooks';
import { fixedClock, sequentialIds } from '../../src/ports/clock';
import { DEFAULT_WRITE_KEYS, localWebhookSecretJson } from '../../src/runtime/local';
import { enrichUnderTest } from '../helpers/enrich';

/** The payloads in events/ (for `sam local invoke`) work against the real handlers. */
const load = <T>(name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../events', name), 'utf8')) as T;
const clock = fixedClock('2026-01-01T10:00:30.000Z');
const logger = new LocalLogger('test', 'silent');

describe('events/ sample payloads', () => {
  const stream = new MemoryEventStream();
  const ingest = createIngestHandler({
    stream,
    writeKeys: new StaticWriteKeys(DEFAULT_WRITE_KEYS),
    clock,
    ids: sequentialIds('m'),
    logger,
    metrics: new EmfMetrics('c360', 't'),
  });
  const webhooks = createWebhookHandler({
    stream,
    secrets: new ConfigSecretStore({ w: localWebhookSecretJson() }),
    secretName: 'w',
    replayGuard: new LocalReplayGuard(),
    clock,
    ids: sequentialIds('r'),
    logger,
    metrics: new EmfMetrics('c360', 't'),
  });

  it.each([
    ['ingest-batch.json', 200],
    ['ingest-track.json', 200],
    ['ingest-invalid.json', 400],
  ])('%s → %i from the ingest handler', async (file, status) => {
    expect((await ingest(load<APIGatewayProxyEventV2>(file))).statusCode).toBe(status);
  });

  it.each([
    'webhook-stripe.json',
    'webhook-shopify.json',
    'webhook-zendesk.json',
    'webhook-hubspot.json',
    'postback-appsflyer.json',
    'postback-adjust.json',
  ])('%s → 200 from the webhooks handler', async (file) => {
    const res = await webhooks(load<APIGatewayProxyEventV2>(file));
    expect({ file, status: res.statusCode, body: res.body }).toMatchObject({ file, status: 200 });
  });

  it('kinesis-enrich.json → two events stored, one quarantined', async () => {
    const { handler, delivery, quarantine } = enrichUnderTest();
    const res = await handler(load<KinesisStreamEvent>('kinesis-enrich.json'));
    expect(res.batchItemFailures).toEqual([]);
    expect(delivery.items).toHaveLength(2);
    expect(quarantine.items).toHaveLength(1);
  });
});
