import { MemoryEventStream } from '../../src/adapters/local/file-stream';
import { LocalReplayGuard } from '../../src/adapters/local/replay-guard';
import { ConfigSecretStore } from '../../src/adapters/local/secrets';
import { EmfMetrics, LocalLogger } from '../../src/adapters/local/telemetry';
import { sha256Hex } from '../../src/domain/webhooks/config';
import { createWebhookHandler } from '../../src/handlers/webhooks';
import { fixedClock, sequentialIds } from '../../src/ports/clock';
import type { EventStream } from '../../src/ports/stream';
import { WEBHOOK_SOURCES } from '../../src/sources';

export const SECRETS = {
  stripe: ['whsec_old', 'whsec_test'],
  shopify: ['shpss_test'],
  zendesk: ['zd_test'],
  hubspot: ['hs_test'],
  // SendGrid verifies with a public key: the dev key pair's (its private half signs in tests).
  sendgrid: [WEBHOOK_SOURCES.sendgrid?.localKeys.verify as string],
  postbacks: {
    appsflyer: { tokens: [sha256Hex('af-token')] },
    adjust: { tokens: [sha256Hex('adj-token')], allowIps: ['198.51.100.0/24'] },
    generic: { tokens: [sha256Hex('gen-token')] },
  },
};
export const NOW = '2026-01-01T10:00:00.000Z';
export const NOW_S = Date.parse(NOW) / 1000;

export function webhooksUnderTest(opts: { stream?: EventStream; maxBodyBytes?: number } = {}) {
  const stream = new MemoryEventStream();
  const clock = fixedClock(NOW);
  const handler = createWebhookHandler({
    stream: opts.stream ?? stream,
    secrets: new ConfigSecretStore({ webhooks: JSON.stringify(SECRETS) }),
    secretName: 'webhooks',
    replayGuard: new LocalReplayGuard({ now: () => clock.now().getTime() }),
    clock,
    ids: sequentialIds('req'),
    logger: new LocalLogger('test', 'silent'),
    metrics: new EmfMetrics('c360', 'webhooks-test'),
    maxBodyBytes: opts.maxBodyBytes,
  });
  return { handler, stream, clock };
}
