import { join } from 'node:path';
import { Command } from 'commander';
import { FileEventStream } from '../../adapters/local/file-stream';
import { LocalLogger } from '../../adapters/local/telemetry';
import {
  EventSourceMapping,
  type EventSourceOptions,
  FileFailureDestination,
} from '../../runtime/event-source';
import { type HttpServerHandle, startHttpServer } from '../../runtime/http-server';
import { ingestRoutes, webhookRoutes } from '../../runtime/ingest-routes';
import {
  createLocalIngest,
  createLocalWebhooks,
  DEFAULT_DATA_DIR,
  DEFAULT_WRITE_KEYS,
  localPaths,
  type WriteKeyEntry,
} from '../../runtime/local';
import { openLocalConsumer } from '../../runtime/local-enrich';
import { createLocalRealtime, type TumblingWindows } from '../../runtime/local-realtime';
import { loadRetention, streamRetentionMs } from '../../runtime/retention';
import { addClearKeyIfAbsent, ensureKeyTable, localKeyTableFile } from '../../runtime/write-key-table';
import { intOption, parseWith } from '../parse';

export interface ServeOptions {
  port?: number;
  dataDir?: string;
  /** A fixed clear-key table (tests); without it, the data folder's key table (`c360 keys`). */
  writeKeys?: Record<string, WriteKeyEntry>;
  corsOrigins?: Record<string, string[]>;
  /** Run the event source mapping (stream → enrich → lake) in-process, as the Kinesis trigger does (default true). */
  enrich?: boolean;
  /** IP geolocation in enrich (default true; the geo data costs ~200 MB of memory). */
  geo?: boolean;
  /** Event source mapping settings (batch size, batching window, retries). */
  mapping?: Partial<
    Pick<EventSourceOptions, 'batchSize' | 'batchingWindowMs' | 'maximumRetryAttempts' | 'pollIntervalMs'>
  >;
}

/** Starts the server in-process (used by the CLI, the demo and the tests). */
export async function startServe(
  options: ServeOptions = {},
): Promise<
  HttpServerHandle & { dataDir: string; mapping: EventSourceMapping | null; failed: Promise<string> }
> {
  const ingest = createLocalIngest({
    dataDir: options.dataDir,
    writeKeys: options.writeKeys,
    corsOrigins: options.corsOrigins,
  });
  const webhooks = createLocalWebhooks({ dataDir: options.dataDir, stream: ingest.stream });
  // The data folder's one stream consumer, taken before accepting anything.
  const consumer =
    options.enrich !== false
      ? await openLocalConsumer(options.dataDir, 'c360 serve', { geo: options.geo })
      : null;
  // Fail closed: once enrich has stopped for good, nothing more is accepted (503) and the CLI exits.
  let down: string | null = null;
  let fatal: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => {
    fatal = resolve;
  });
  const server = await startHttpServer({
    port: options.port ?? 8088,
    routes: [...ingestRoutes(ingest.handler), ...webhookRoutes(webhooks)],
    unavailable: () => down,
  }).catch(async (err) => {
    await consumer?.release();
    throw err;
  });
  let mapping: EventSourceMapping | null = null;
  // The real-time tier: tumbling windows over what enrich consumed (a second Kinesis consumer in AWS).
  const realtime = options.enrich !== false ? createLocalRealtime(options.dataDir) : null;
  if (consumer) {
    const paths = ingest.paths;
    const stream = ingest.stream;
    const retentionMs = streamRetentionMs(loadRetention());
    mapping = new EventSourceMapping({
      stream,
      handler: consumer.handler,
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
      onFailure: new FileFailureDestination(join(paths.state, 'enrich-on-failure.ndjson')),
      logger: new LocalLogger('c360-event-source'),
      // Consumed segments older than the stream's retention go, as Kinesis ages records out.
      onCheckpoint: async (seq) => {
        if (stream instanceof FileEventStream) await stream.trim(seq, retentionMs);
      },
      tap: (records) => (realtime as TumblingWindows).feed(records),
      onIdle: () => (realtime as TumblingWindows).tick(),
      onFatal: (err) => {
        down = `enrich stopped after repeated errors (${err instanceof Error ? err.message : String(err)}): no events are accepted; fix the cause and restart c360 serve (what was accepted is in ${paths.root}/stream and is enriched on restart)`;
        fatal(down);
      },
      ...options.mapping,
    });
    mapping.start();
  }
  return {
    ...server,
    dataDir: ingest.paths.root,
    mapping,
    failed,
    close: async () => {
      await server.close();
      await mapping?.stop();
      await realtime?.close();
      await consumer?.release();
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 serve')
    .description(
      'Starts the embedded ingest API: the Segment tracking API (/v1/batch, /v1/import, /v1/track, ...), provider ' +
        'webhooks (/webhooks/{stripe|shopify|zendesk|hubspot}) and ad-network postbacks ' +
        '(/postbacks/{appsflyer|adjust|generic}/{token}), served by the same handlers as the Lambdas (local dev ' +
        'secrets: docs/webhooks.md). Events land in the local stream (DIR/stream/events) and, as the Kinesis trigger ' +
        'does in AWS, an in-process event source mapping runs enrich on them continuously (batches of 100, 0.5 s ' +
        'window, 3 retries, then DIR/state/enrich-on-failure.ndjson for "c360 redrive"): an event posted here is ' +
        'in DIR/lake/bronze within seconds.',
    )
    .option('--port <port>', 'port to listen on (0 = any free one)', intOption('--port', 0, 65535), 8088)
    .option(
      '--write-key <key>',
      `also accept KEY as a client-side write key for source "web" (added to the data folder's key table; built in: ${Object.keys(DEFAULT_WRITE_KEYS).join(', ')}; see "c360 keys")`,
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR)
    .option('--no-enrich', 'only accept events into the stream (run "c360 enrich" later)')
    .option('--no-geo', 'skip IP geolocation in enrich (saves ~200 MB of memory)');
  const parsed = parseWith<{ port: number; writeKey?: string; data: string; enrich: boolean; geo: boolean }>(
    cmd,
    argv,
  );
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const port = o.port;
  const values = { 'write-key': o.writeKey, data: o.data, 'no-enrich': !o.enrich, 'no-geo': !o.geo };
  // The data folder's key table (created with the dev keys); --write-key adds one for source "web".
  const table = localKeyTableFile(localPaths(values.data).state);
  ensureKeyTable(table, DEFAULT_WRITE_KEYS);
  const extra = values['write-key'];
  if (extra) await addClearKeyIfAbsent(table, extra, { source: 'web', trust: 'client' });
  const server = await startServe({
    port,
    dataDir: values.data,
    enrich: !values['no-enrich'],
    geo: !values['no-geo'],
  });
  process.stdout.write(`listening on ${server.url}\n`);
  process.stdout.write(
    server.mapping
      ? `events go through enrich into ${server.dataDir}/lake/bronze as they arrive; stop with Ctrl-C\n`
      : `events land in ${server.dataDir}/stream/events (run "c360 enrich" to process them); stop with Ctrl-C\n`,
  );
  const outcome = await Promise.race([
    new Promise<null>((resolve) => {
      const stop = () => resolve(null);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
    server.failed,
  ]);
  await server.close();
  if (outcome !== null) {
    process.stderr.write(`c360 serve: ${outcome}\n`);
    return 1;
  }
  return 0;
}
