import { type ChildProcess, spawn } from 'node:child_process';
import { Command } from 'commander';
import { type MappingSettings, startConsumerMapping } from '../../runtime/consumer';
import type { EventSourceMapping } from '../../runtime/event-source';
import { exploreRoutes } from '../../runtime/explore-routes';
import { type HttpServerHandle, startHttpServer } from '../../runtime/http-server';
import { ingestRoutes, profileRoutes, webhookRoutes } from '../../runtime/ingest-routes';
import {
  createLocalIngest,
  createLocalWebhooks,
  DEFAULT_DATA_DIR,
  DEFAULT_WRITE_KEYS,
  localPaths,
  type WriteKeyEntry,
} from '../../runtime/local';
import { openLocalConsumer } from '../../runtime/local-enrich';
import { closeLocalProfileStore, createLocalProfileApi } from '../../runtime/profiles';
import { reportRoutes } from '../../runtime/reports';
import { addClearKeyIfAbsent, ensureKeyTable, localKeyTableFile } from '../../runtime/write-key-table';
import { intOption, parseWith } from '../parse';

export interface ServeOptions {
  port?: number;
  dataDir?: string;
  /** A fixed clear-key table (tests); without it, the data folder's key table (`c360 keys`). */
  writeKeys?: Record<string, WriteKeyEntry>;
  corsOrigins?: Record<string, string[]>;
  /** A fixed clear read-key table (tests); without it, the data folder's (`c360 keys add --read`). */
  readKeys?: Record<string, unknown>;
  /** Run the event source mapping (stream → enrich → lake) continuously, as the Kinesis trigger does (default true). */
  enrich?: boolean;
  /** IP geolocation in enrich (default true; the geo data costs ~200 MB of memory). */
  geo?: boolean;
  /** Event source mapping settings (batch size, batching window, retries). */
  mapping?: MappingSettings;
  /**
   * Where the consumer runs: in this process (default), or in a process of its own started from
   * this c360 entry point (`c360 enrich --follow`), as Lambda runs enrich apart from the API: the
   * consumer then has a core of its own. The CLI uses a process of its own.
   */
  consumerProcess?: string;
}

export type ServeHandle = HttpServerHandle & {
  dataDir: string;
  /** The in-process mapping (null when the consumer runs in a process of its own, or not at all). */
  mapping: EventSourceMapping | null;
  /** The consumer's process, when it runs in one. */
  consumer: ChildProcess | null;
  failed: Promise<string>;
};

/** Starts the server in-process (used by the CLI, the demo and the tests). */
export async function startServe(options: ServeOptions = {}): Promise<ServeHandle> {
  const ingest = createLocalIngest({
    dataDir: options.dataDir,
    writeKeys: options.writeKeys,
    corsOrigins: options.corsOrigins,
  });
  const webhooks = createLocalWebhooks({ dataDir: options.dataDir, stream: ingest.stream });
  const enrich = options.enrich !== false;
  // The data folder's one stream consumer, taken before accepting anything (in its own process,
  // the consumer takes it there).
  const consumer =
    enrich && !options.consumerProcess
      ? await openLocalConsumer(options.dataDir, 'c360 serve', { geo: options.geo })
      : null;
  // Fail closed: once enrich has stopped for good, nothing more is accepted (503) and the CLI exits.
  let down: string | null = null;
  let fatal: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => {
    fatal = resolve;
  });
  const stopped = (why: string) => {
    down = `enrich stopped ${why}: no events are accepted; fix the cause and restart c360 serve (what was accepted is in ${ingest.paths.root}/stream and is enriched on restart)`;
    fatal(down);
  };
  const server = await startHttpServer({
    port: options.port ?? 8088,
    routes: [
      ...ingestRoutes(ingest.handler),
      ...webhookRoutes(webhooks),
      ...profileRoutes(createLocalProfileApi({ dataDir: options.dataDir, readKeys: options.readKeys })),
      ...exploreRoutes({ dataDir: options.dataDir, readKeys: options.readKeys }),
      ...reportRoutes(options.dataDir),
    ],
    unavailable: () => down,
  }).catch(async (err) => {
    await consumer?.release();
    throw err;
  });
  let inProcess: ReturnType<typeof startConsumerMapping> | null = null;
  let child: ChildProcess | null = null;
  let closing = false;
  if (consumer) {
    inProcess = startConsumerMapping({
      dataDir: options.dataDir,
      handler: consumer.handler,
      stream: ingest.stream,
      onFatal: (err) =>
        stopped(`after repeated errors (${err instanceof Error ? err.message : String(err)})`),
      settings: options.mapping,
    });
  } else if (enrich && options.consumerProcess) {
    const m = options.mapping ?? {};
    child = spawn(
      process.execPath,
      [
        options.consumerProcess,
        'enrich',
        '--follow',
        '--data',
        ingest.paths.root,
        ...(options.geo === false ? ['--no-geo'] : []),
        ...(m.batchSize ? ['--batch-size', String(m.batchSize)] : ['--batch-size', '100']),
        ...(m.batchingWindowMs !== undefined ? ['--batching-window-ms', String(m.batchingWindowMs)] : []),
        ...(m.pollIntervalMs !== undefined ? ['--poll-ms', String(m.pollIntervalMs)] : []),
      ],
      // The IPC channel closes when this process dies, however it dies: the consumer then stops.
      { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
    );
    child.once('exit', (code, signal) => {
      if (!closing) stopped(`(its process ended: ${signal ?? `exit code ${code}`})`);
    });
  }
  return {
    ...server,
    dataDir: ingest.paths.root,
    mapping: inProcess?.mapping ?? null,
    consumer: child,
    failed,
    close: async () => {
      closing = true;
      await server.close();
      await inProcess?.stop();
      if (child && child.exitCode === null && child.signalCode === null) {
        // Closing the channel asks it to finish its batch and stop (as this process ending would).
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        if (child.connected) child.disconnect();
        else child.kill('SIGTERM');
        await exited;
      }
      await consumer?.release();
      await closeLocalProfileStore(options.dataDir);
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 serve')
    .description(
      'Starts the embedded ingest API: the Segment tracking API (/v1/batch, /v1/import, /v1/track, ...), provider ' +
        'webhooks (/webhooks/{stripe|shopify|zendesk|hubspot}) and ad-network postbacks ' +
        '(/postbacks/{appsflyer|adjust|generic}/{token}) and the profile API (GET /v1/profiles/{id} with a read key: ' +
        'DIR/state/read-keys.json, "c360 keys add --read") and the dashboards, live with filters, drill-down and CSV ' +
        '(/explore/, the same read keys), served by the same handlers as the Lambdas (local dev ' +
        'secrets: docs/webhooks.md). Events land in the local stream (DIR/stream/events) and, as the Kinesis trigger ' +
        'does in AWS, a consumer in a process of its own ("c360 enrich --follow", started and stopped with serve) ' +
        'runs enrich on them continuously (batches of 100, 0.5 s window, 3 retries, then ' +
        'DIR/state/enrich-on-failure.ndjson for "c360 redrive"): an event posted here is in DIR/lake/bronze within ' +
        'seconds. If the consumer stops for good, serve answers 503 and exits 1.',
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
    // The consumer in a process of its own, started from this same c360 (a core of its own).
    consumerProcess: process.argv[1],
  });
  process.stdout.write(`listening on ${server.url}\n`);
  process.stdout.write(
    `dashboards, live with filters: ${server.url}/explore/?key=c360-dev-read-key (a read key: c360 keys list --read)\n`,
  );
  process.stdout.write(
    server.mapping || server.consumer
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
