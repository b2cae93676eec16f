import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { FileEventStream } from '../adapters/local/file-stream';
import { LocalReplayGuard } from '../adapters/local/replay-guard';
import { ConfigSecretStore } from '../adapters/local/secrets';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import { StaticWriteKeys } from '../adapters/write-keys';
import { sha256Hex } from '../domain/webhooks/config';
import { createIngestHandler } from '../handlers/ingest';
import { createWebhookHandler } from '../handlers/webhooks';
/**
 * The embedded runtime: the same handlers as the Lambdas, wired to local adapters under one
 * data folder (its layout: localPaths in src/paths.ts).
 */
import { localPaths } from '../paths';
import type { Clock, IdGenerator } from '../ports/clock';
import { systemClock } from '../ports/clock';
import type { ReadableEventStream } from '../ports/stream';
import { WEBHOOK_SOURCES } from '../sources';

export { DEFAULT_DATA_DIR, localPaths } from '../paths';
/** Dev-only defaults: every local write key maps to a source name. */
export const DEFAULT_WRITE_KEYS: Record<string, string> = {
  'c360-local-write-key': 'web',
  'c360-local-ios-key': 'ios',
  'c360-local-android-key': 'android',
};

/** Dev-only postback token of the embedded runtime (docs/webhooks.md); AWS uses Secrets Manager. */
export const LOCAL_POSTBACK_TOKEN = 'c360-local-postback-token';

/**
 * The embedded webhook secret: every source's dev verification key (src/sources/<name>: the
 * HMAC secret, or the public key of a dev key pair) and the postback token.
 */
export function localWebhookSecretJson(): string {
  const token = sha256Hex(LOCAL_POSTBACK_TOKEN);
  return JSON.stringify({
    ...Object.fromEntries(Object.values(WEBHOOK_SOURCES).map((s) => [s.name, [s.localKeys.verify]])),
    postbacks: { appsflyer: { tokens: [token] }, adjust: { tokens: [token] }, generic: { tokens: [token] } },
  });
}

export interface LocalRuntimeOptions {
  dataDir?: string;
  writeKeys?: Record<string, string>;
  clock?: Clock;
  ids?: IdGenerator;
  /** Browser origins allowed per source (CORS), e.g. { web: ['http://localhost:3000'] }. */
  corsOrigins?: Record<string, string[]>;
}

export function createLocalIngest(opts: LocalRuntimeOptions = {}) {
  const paths = localPaths(opts.dataDir);
  const clock = opts.clock ?? systemClock;
  const stream: ReadableEventStream = new FileEventStream(paths.stream, clock);
  const handler = createIngestHandler({
    stream,
    writeKeys: new StaticWriteKeys(opts.writeKeys ?? DEFAULT_WRITE_KEYS),
    clock,
    ids: opts.ids ?? randomUUID,
    logger: new LocalLogger('c360-ingest'),
    metrics: new EmfMetrics('c360', 'c360-ingest', paths.metrics),
    corsOrigins: opts.corsOrigins,
  });
  return { paths, stream, handler };
}

export function createLocalWebhooks(opts: LocalRuntimeOptions & { stream: ReadableEventStream }) {
  const paths = localPaths(opts.dataDir);
  const clock = opts.clock ?? systemClock;
  return createWebhookHandler({
    stream: opts.stream,
    secrets: new ConfigSecretStore({ webhooks: localWebhookSecretJson() }),
    secretName: 'webhooks',
    replayGuard: new LocalReplayGuard({
      dir: join(paths.state, 'replay'),
      now: () => clock.now().getTime(),
    }),
    clock,
    ids: opts.ids ?? randomUUID,
    logger: new LocalLogger('c360-webhooks'),
    metrics: new EmfMetrics('c360', 'c360-webhooks', paths.metrics),
  });
}
