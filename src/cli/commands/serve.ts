import { join } from 'node:path';
import { parseArgs } from 'node:util';
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
} from '../../runtime/local';
import { createLocalEnrichHandler } from '../../runtime/local-enrich';

const HELP = `usage: c360 serve [--port P] [--write-key K] [--data DIR] [--no-enrich] [--no-geo]

Starts the embedded ingest API: the Segment tracking API (/v1/batch, /v1/track, ...), provider
webhooks (/webhooks/{stripe|shopify|zendesk|hubspot}) and ad-network postbacks
(/postbacks/{appsflyer|adjust|generic}/{token}), served by the same handlers as the Lambdas.
Local dev secrets are listed in docs/webhooks.md. Events land in the local stream under DIR/stream/events
and, as the Kinesis trigger does in AWS, an in-process event source mapping runs the enrich handler
on them continuously (batches of 100, 0.5 s window, 3 retries, then DIR/state/enrich-on-failure.ndjson
for "c360 redrive"): an event posted here is in DIR/lake/bronze within seconds.

  --port P        port to listen on (0 = pick a free one; default 8088)
  --write-key K   accept K as a write key for source "web" (default keys: ${Object.keys(DEFAULT_WRITE_KEYS).join(', ')})
  --data DIR      data folder (default ${DEFAULT_DATA_DIR})
  --no-enrich     only accept events into the stream (run "c360 enrich" later)
  --no-geo        skip IP geolocation in enrich (saves ~200 MB of memory)
`;

export interface ServeOptions {
  port?: number;
  dataDir?: string;
  writeKeys?: Record<string, string>;
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
): Promise<HttpServerHandle & { dataDir: string; mapping: EventSourceMapping | null }> {
  const ingest = createLocalIngest({
    dataDir: options.dataDir,
    writeKeys: options.writeKeys,
    corsOrigins: options.corsOrigins,
  });
  const webhooks = createLocalWebhooks({ dataDir: options.dataDir, stream: ingest.stream });
  const server = await startHttpServer({
    port: options.port ?? 8088,
    routes: [...ingestRoutes(ingest.handler), ...webhookRoutes(webhooks)],
  });
  let mapping: EventSourceMapping | null = null;
  if (options.enrich !== false) {
    const paths = ingest.paths;
    const stream = ingest.stream;
    mapping = new EventSourceMapping({
      stream,
      handler: createLocalEnrichHandler(options.dataDir, { geo: options.geo }),
      checkpointFile: join(paths.state, 'enrich.checkpoint'),
      onFailure: new FileFailureDestination(join(paths.state, 'enrich-on-failure.ndjson')),
      logger: new LocalLogger('c360-event-source'),
      // Consumed segments older than a day go, as Kinesis' 24 h retention would drop them.
      onCheckpoint: async (seq) => {
        if (stream instanceof FileEventStream) await stream.trim(seq);
      },
      ...options.mapping,
    });
    mapping.start();
  }
  return {
    ...server,
    dataDir: ingest.paths.root,
    mapping,
    close: async () => {
      await server.close();
      await mapping?.stop();
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8088' },
      'write-key': { type: 'string' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      'no-enrich': { type: 'boolean' },
      'no-geo': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`c360 serve: --port must be a number from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  const writeKeys = {
    ...DEFAULT_WRITE_KEYS,
    ...(values['write-key'] ? { [values['write-key']]: 'web' } : {}),
  };
  const server = await startServe({
    port,
    dataDir: values.data,
    writeKeys,
    enrich: !values['no-enrich'],
    geo: !values['no-geo'],
  });
  process.stdout.write(`listening on ${server.url}\n`);
  process.stdout.write(
    server.mapping
      ? `events go through enrich into ${server.dataDir}/lake/bronze as they arrive; stop with Ctrl-C\n`
      : `events land in ${server.dataDir}/stream/events (run "c360 enrich" to process them); stop with Ctrl-C\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
