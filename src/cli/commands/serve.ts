import { parseArgs } from 'node:util';
import { type HttpServerHandle, startHttpServer } from '../../runtime/http-server';
import { ingestRoutes, webhookRoutes } from '../../runtime/ingest-routes';
import {
  createLocalIngest,
  createLocalWebhooks,
  DEFAULT_DATA_DIR,
  DEFAULT_WRITE_KEYS,
} from '../../runtime/local';

const HELP = `usage: c360 serve [--port P] [--write-key K] [--data DIR]

Starts the embedded ingest API: the Segment tracking API (/v1/batch, /v1/track, ...), provider
webhooks (/webhooks/{stripe|shopify|zendesk|hubspot}) and ad-network postbacks
(/postbacks/{appsflyer|adjust|generic}/{token}), served by the same handlers as the Lambdas.
Local dev secrets are listed in docs/webhooks.md. Events land in the local stream under DIR/stream/events.

  --port P        port to listen on (0 = pick a free one; default 8088)
  --write-key K   accept K as a write key for source "web" (default keys: ${Object.keys(DEFAULT_WRITE_KEYS).join(', ')})
  --data DIR      data folder (default ${DEFAULT_DATA_DIR})
`;

export interface ServeOptions {
  port?: number;
  dataDir?: string;
  writeKeys?: Record<string, string>;
}

/** Starts the server in-process (used by the CLI, the demo and the tests). */
export async function startServe(
  options: ServeOptions = {},
): Promise<HttpServerHandle & { dataDir: string }> {
  const ingest = createLocalIngest({ dataDir: options.dataDir, writeKeys: options.writeKeys });
  const webhooks = createLocalWebhooks({ dataDir: options.dataDir, stream: ingest.stream });
  const server = await startHttpServer({
    port: options.port ?? 8088,
    routes: [...ingestRoutes(ingest.handler), ...webhookRoutes(webhooks)],
  });
  return { ...server, dataDir: ingest.paths.root };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8088' },
      'write-key': { type: 'string' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
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
  const server = await startServe({ port, dataDir: values.data, writeKeys });
  process.stdout.write(`listening on ${server.url}\n`);
  process.stdout.write(`events land in ${server.dataDir}/stream/events; stop with Ctrl-C\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
