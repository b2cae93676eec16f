import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { FileEventStream } from '../adapters/local/file-stream';
import { LocalReplayGuard } from '../adapters/local/replay-guard';
import { ConfigSecretStore, FileSecretStore } from '../adapters/local/secrets';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import {
  MemoryDailyQuota,
  SecretWriteKeys,
  StaticWriteKeys,
  TokenBucketLimiter,
} from '../adapters/write-keys';
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
import type { WriteKeyResolver } from '../ports/write-keys';
import { WEBHOOK_SOURCES } from '../sources';
import { ensureKeyTable, LOCAL_WRITE_KEYS_SECRET, localKeyTableFile } from './write-key-table';

export { DEFAULT_DATA_DIR, localPaths } from '../paths';
/**
 * Dev-only defaults, written hashed into a new data folder's key table (`<data>/state/write-keys.json`,
 * `c360 keys`): the browser and app keys are client-side (public), the backend's is server-side.
 */
export const DEFAULT_WRITE_KEYS: Record<string, WriteKeyEntry> = {
  'c360-local-write-key': { source: 'web', trust: 'client' },
  'c360-local-ios-key': { source: 'ios', trust: 'client' },
  'c360-local-android-key': { source: 'android', trust: 'client' },
  'c360-local-server-key': { source: 'backend', trust: 'server' },
};

/** A key table entry in clear-key form (dev defaults, tests): a source name, or its grant's fields. */
export type WriteKeyEntry =
  | string
  | {
      source: string;
      trust?: 'client' | 'server';
      name?: string;
      ratePerSecond?: number;
      burst?: number;
      dailyQuota?: number;
      disabled?: boolean;
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
  /** A fixed clear-key table (tests); without it, the data folder's key table (`c360 keys`). */
  writeKeys?: Record<string, WriteKeyEntry>;
  clock?: Clock;
  ids?: IdGenerator;
  /** Browser origins allowed per source (CORS), e.g. { web: ['http://localhost:3000'] }. */
  corsOrigins?: Record<string, string[]>;
}

export function createLocalIngest(opts: LocalRuntimeOptions = {}) {
  const paths = localPaths(opts.dataDir);
  const clock = opts.clock ?? systemClock;
  const stream: ReadableEventStream = new FileEventStream(paths.stream, clock);
  let writeKeys: WriteKeyResolver;
  if (opts.writeKeys) writeKeys = new StaticWriteKeys(opts.writeKeys);
  else {
    ensureKeyTable(localKeyTableFile(paths.state), DEFAULT_WRITE_KEYS);
    // Re-read every 2 s: `c360 keys disable` takes effect on a running server.
    writeKeys = new SecretWriteKeys(new FileSecretStore(paths.state), LOCAL_WRITE_KEYS_SECRET, 2000, clock);
  }
  const handler = createIngestHandler({
    stream,
    writeKeys,
    // Keys that declare a rate or a daily quota get them here as in AWS (one process: exact).
    rateLimiter: new TokenBucketLimiter(clock),
    quota: new MemoryDailyQuota(),
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
