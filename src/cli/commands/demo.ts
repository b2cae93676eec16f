import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { FileEventStream } from '../../adapters/local/file-stream';
import { DashboardCache, dashboardCacheDir } from '../../dashboards/cache';
import { renderDashboards } from '../../dashboards/render';
import { buildReport, writeReport } from '../../dashboards/reports';
import { verifySignature } from '../../domain/audience-sync';
import { evaluateSlos, loadSlos, observationsFromEmf } from '../../domain/slo';
import { openDuckDb } from '../../etl/duckdb';
import { registerLakeViews } from '../../etl/lake-views';
import { latestMetrics } from '../../models/train';
import { projectRoot } from '../../paths';
import { systemClock } from '../../ports/clock';
import { destinationsFile, loadDestinations, syncAudiences } from '../../runtime/audiences';
import { ingestBatchFile } from '../../runtime/batch-ingest';
import { DEFAULT_DATA_DIR, DEFAULT_WRITE_KEYS, LOCAL_POSTBACK_TOKEN, localPaths } from '../../runtime/local';
import { type DrainReport, drainStream, openLocalConsumer } from '../../runtime/local-enrich';
import { runBackfill, runDailyPipeline } from '../../runtime/pipeline';
import {
  closeLocalProfileStore,
  createStreamTaps,
  localLiveTimelines,
  openLocalProfileStore,
} from '../../runtime/profiles';
import {
  addSubscription,
  localOutbox,
  localSubscriptionsFile,
  subscriptionStatus,
} from '../../runtime/reports';
import {
  cdnowOrdersWithLines,
  type DemoSample,
  generateDemoSample,
  parseCdnowPurchases,
  scaleCdnow,
} from '../../sample/demo-data';
import { webhookSource } from '../../sources';
import { signStripe } from '../../sources/stripe/signature';
import { openWarehouse } from '../../warehouse/embedded';
import { formatRows } from '../format';
import { startLiveDemo } from '../live-demo';
import { intOption, parseWith } from '../parse';
import { progressReporter } from '../progress';
import { startServe } from './serve';

const say = (s: string) => process.stdout.write(`${s}\n`);
/** A file in the data folder saying the demo made it (so a rerun may clear it). */
const DEMO_MARKER = 'demo.json';
/** A progress bar for a long stage when stderr is a terminal (logs and pipes get the stage lines only). */
const stageBar = (name: string) => (process.stderr.isTTY ? progressReporter(name) : null);

/** Stage headers, and each stage's wall time for the closing summary. */
const stages: { stage: string; started: number; seconds?: number }[] = [];
const STAGE_NAMES = [
  'sample',
  'HTTP ingest',
  'batch files',
  'enrich (stream)',
  'daily pipeline',
  'models',
  'warehouse',
  'dashboards and SLOs',
];
function step(n: number, s: string): void {
  const now = performance.now();
  const open = stages.at(-1);
  if (open && open.seconds === undefined) open.seconds = (now - open.started) / 1000;
  stages.push({ stage: STAGE_NAMES[n - 1] ?? s, started: now });
  say(`\n[${n}/8] ${s}`);
}

export async function run(argv: string[]): Promise<number> {
  stages.length = 0;
  const cmd = new Command('c360 demo')
    .description(
      'Runs the whole pipeline embedded on real data: the CDNOW purchase log and real airline tweets ' +
        '(data/sample/), plus web/mobile sessions, Stripe, Zendesk and HubSpot webhooks, AppsFlyer postbacks and a ' +
        'CRM export generated around them (seeded). Everything goes through the real HTTP API (c360 serve), the ' +
        'event stream, the enrich stage and the SQL ETL into silver and gold. The data folder is cleared first, ' +
        'but only if the demo made it.',
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR)
    .option('--seed <n>', 'random seed', intOption('--seed', 0, 2 ** 31), 360)
    .option(
      '--customers <n>',
      'customers with generated web/mobile activity (default 600 × --scale)',
      intOption('--customers', 1, 1_000_000),
    )
    .option(
      '--scale <n>',
      'size: the real CDNOW cohort replicated n times (new customer ids, same purchase days) and n × 600 customers with web/mobile activity',
      intOption('--scale', 1, 100),
      1,
    );
  cmd
    .option(
      '--live',
      'keep the platform running on the demo folder (made by npm start) with traffic a person can watch: c360 serve, ' +
        'page views and orders of the demo customers, the Real-Time Purchase Trends page re-rendered each minute; stop with Ctrl-C',
    )
    .option('--rate <events/s>', '--live: events a second', intOption('--rate', 1, 1000), 2)
    .option(
      '--minutes <n>',
      '--live: stop after this many minutes (default: run until stopped)',
      intOption('--minutes', 1, 10_000),
    )
    .option('--port <port>', '--live: the API port', intOption('--port', 0, 65535), 8088);
  const parsed = parseWith<{
    data: string;
    seed: number;
    customers?: number;
    scale: number;
    live?: boolean;
    rate: number;
    minutes?: number;
    port: number;
  }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const values = parsed.opts;
  if (values.live) return live(values);
  const started = performance.now();
  const seed = Number(values.seed);
  const dataDir = values.data;
  const paths = localPaths(dataDir);
  // The demo starts from an empty folder; it only ever clears a folder it made itself.
  const marker = join(paths.root, DEMO_MARKER);
  if (existsSync(paths.root) && (await readdir(paths.root)).length > 0) {
    if (!existsSync(marker)) {
      process.stderr.write(
        `c360 demo: ${paths.root} holds data the demo did not make; run the demo elsewhere (--data .c360-demo) or move that folder away\n`,
      );
      return 1;
    }
    await rm(paths.root, { recursive: true });
  }
  await mkdir(paths.root, { recursive: true });
  await writeFile(marker, JSON.stringify({ seed, startedAt: new Date().toISOString() }));
  const root = projectRoot();
  const cdnowFile = join(root, 'data', 'sample', 'cdnow_sample.txt');
  const tweetsFile = join(root, 'data', 'sample', 'airline_tweets_2000.csv');
  say(`c360 demo: embedded pipeline on real data (seed ${seed}) in ${paths.root}`);

  step(1, 'generating the sample around the real CDNOW purchase log');
  const cdnowText = scaleCdnow(await readFile(cdnowFile, 'utf8'), values.scale);
  const purchases = parseCdnowPurchases(cdnowText);
  const keys = Object.entries(DEFAULT_WRITE_KEYS);
  const sourceOf = (e: (typeof keys)[number][1]) => (typeof e === 'string' ? e : e.source);
  const webKey = keys.find(([, e]) => sourceOf(e) === 'web')?.[0] as string;
  const iosKey = keys.find(([, e]) => sourceOf(e) === 'ios')?.[0] as string;
  const sample = generateDemoSample(purchases, {
    seed,
    customers: values.customers ?? 600 * values.scale,
    writeKeys: { web: webKey, ios: iosKey },
  });
  const segmentEvents = sample.segment.reduce((s, b) => s + b.batch.length, 0);
  say(
    `  ${segmentEvents} web/mobile events, ${sample.webhooks.length} webhooks, ${sample.postbacks.length} postbacks, ${sample.crmCsv.split('\n').length - 2} CRM contacts`,
  );

  step(2, 'posting through the embedded ingest API (c360 serve)');
  const http = await postSample(dataDir, sample, webKey);

  step(3, 'loading batch files (real CDNOW orders with generated lines, real tweets, CRM export)');
  const { stream, fileRows } = await loadBatchFiles(paths, sample, { cdnowText, seed, tweetsFile, root });

  step(4, 'enriching the stream into the lake (Kinesis → enrich λ → Firehose, embedded)');
  const { drained, reconciled } = await enrichStream(dataDir, stream);

  step(
    5,
    'the daily pipeline state machine (statemachines/daily-pipeline.asl.json, embedded ASL interpreter)',
  );
  await subscribeDemo(dataDir);
  if (!(await runPipeline(dataDir))) return 1;

  step(6, 'customer models (trained and scored by the pipeline)');
  const m = await reportModels(dataDir);

  step(7, 'the warehouse (loaded by the pipeline: staged, merged on keys, type-2 customers)');
  const whKpis = await reportWarehouse(dataDir);

  await actOnThe360(dataDir);

  step(8, 'summary');
  await summarizeLake(paths, { segmentEvents, sample, http, fileRows });
  await renderOutputs(dataDir);
  const slos = reportSlos(dataDir);
  printRunSummary({ drained, http, whKpis, m, slos });
  printNextSteps(dataDir, started);
  return reconciled ? 0 : 1;
}

interface HttpCounts {
  accepted: number;
  rejected: number;
  duplicateWebhooks: number;
  unauthorized: number;
  webhooks: number;
  postbacks: number;
}

interface ModelMetrics {
  churn: { holdout_auc: number; telco_auc: number };
  sentiment: { macro_f1: number };
  segments: { sizes: Record<string, number> };
  recommendations: { hit_rate_at_5?: number; popular_hit_rate_at_5?: number };
}

/** Stage 2: the sample's SDK batches, webhooks and postbacks through the embedded ingest API. */
async function postSample(dataDir: string, sample: DemoSample, webKey: string): Promise<HttpCounts> {
  const server = await startServe({ port: 0, dataDir, enrich: false });
  const http = { accepted: 0, rejected: 0, duplicateWebhooks: 0, unauthorized: 0, webhooks: 0, postbacks: 0 };
  try {
    const auth = (k: string) => `Basic ${Buffer.from(`${k}:`).toString('base64')}`;
    const postBatch = async (writeKey: string, batch: unknown[], gzip: boolean) => {
      const body = Buffer.from(JSON.stringify({ batch }));
      const res = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: {
          authorization: auth(writeKey),
          'content-type': 'application/json',
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        },
        body: gzip ? gzipSync(body) : body,
      });
      const json = (await res.json()) as { accepted?: number; rejected?: { index: number }[] };
      http.accepted += json.accepted ?? 0;
      http.rejected += new Set((json.rejected ?? []).map((r) => r.index)).size;
      return { status: res.status, json };
    };
    const posting = stageBar('  HTTP ingest');
    for (const [i, b] of sample.segment.entries()) {
      await postBatch(b.writeKey, b.batch, i % 2 === 1);
      posting?.update(i + 1, sample.segment.length, 'Segment batches');
    }
    posting?.done();
    // An SDK retry of a batch it already sent, and a batch with bad events.
    if (sample.segment[0]) await postBatch(sample.segment[0].writeKey, sample.segment[0].batch, false);
    const bad = await postBatch(webKey, sample.invalidSegment, false);
    say(
      `  Segment API: ${http.accepted} events accepted, ${http.rejected} rejected (HTTP ${bad.status}, e.g. ${JSON.stringify(bad.json.rejected?.[0])})`,
    );

    const now = Math.floor(Date.now() / 1000);
    const postWebhook = async (provider: string, body: string, headers: Record<string, string>) => {
      const res = await fetch(`${server.url}/webhooks/${provider}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      const json = (await res.json()) as { duplicate?: boolean };
      if (res.status === 200 && json.duplicate) http.duplicateWebhooks++;
      else if (res.status === 200) http.webhooks++;
      else if (res.status === 401) http.unauthorized++;
    };
    // Each source signs as the provider would, with its dev key (src/sources/<name>).
    const signed = (provider: string, body: string): Record<string, string> => {
      const source = webhookSource(provider);
      if (!source) throw new Error(`the demo sample has a webhook for unknown source ${provider}`);
      const host = new URL(server.url).host;
      return source.sign(body, source.localKeys.sign, Date.now(), `https://${host}/webhooks/${provider}`);
    };
    for (const w of sample.webhooks) await postWebhook(w.provider, w.body, signed(w.provider, w.body));
    const first = sample.webhooks[0];
    if (first) await postWebhook(first.provider, first.body, signed(first.provider, first.body)); // provider retry
    const unknown = JSON.stringify({
      id: 'evt_demo_plan',
      object: 'event',
      type: 'plan.created',
      created: now,
      data: { object: {} },
    });
    await postWebhook('stripe', unknown, signed('stripe', unknown));
    await postWebhook('stripe', unknown, { 'stripe-signature': signStripe(unknown, 'whsec_not_ours', now) });
    for (const p of sample.postbacks) {
      const res = await fetch(`${server.url}/postbacks/${p.network}/${LOCAL_POSTBACK_TOKEN}?${p.query}`);
      if (res.status === 200) http.postbacks++;
    }
    say(
      `  webhooks: ${http.webhooks} accepted, ${http.duplicateWebhooks} provider retry answered as duplicate, ${http.unauthorized} bad signature rejected (401)`,
    );
    say(`  postbacks: ${http.postbacks} accepted`);
  } finally {
    await server.close();
  }
  return http;
}

/** Stage 3: the batch files (CDNOW orders with generated lines, real tweets, the CRM export) onto the stream. */
async function loadBatchFiles(
  paths: ReturnType<typeof localPaths>,
  sample: DemoSample,
  {
    cdnowText,
    seed,
    tweetsFile,
    root,
  }: { cdnowText: string; seed: number; tweetsFile: string; root: string },
): Promise<{ stream: FileEventStream; fileRows: number }> {
  const stream = new FileEventStream(paths.stream);
  const inbox = join(paths.root, 'inbox');
  await mkdir(inbox, { recursive: true });
  const crmFile = join(inbox, 'crm_contacts.csv');
  await writeFile(crmFile, sample.crmCsv);
  const ordersFile = join(inbox, 'orders.csv');
  await writeFile(ordersFile, cdnowOrdersWithLines(cdnowText, seed));
  let fileRows = 0;
  for (const [kind, file] of [
    ['orders', ordersFile],
    ['social', tweetsFile],
    ['crm', crmFile],
  ] as const) {
    const r = await ingestBatchFile({ file, kind, lakeDir: paths.lake, stream, clock: systemClock });
    fileRows += r.accepted;
    say(
      `  ${kind.padEnd(6)} ${r.file.replace(`${root}/`, '')}: ${r.rows} rows, ${r.accepted} accepted, ${r.rejected} rejected (${r.format})`,
    );
  }
  return { stream, fileRows };
}

/** Stage 4: the stream drained through enrich into the lake (and the real-time tier), counts reconciled. */
async function enrichStream(
  dataDir: string,
  stream: FileEventStream,
): Promise<{ drained: DrainReport; reconciled: boolean }> {
  const paths = localPaths(dataDir);
  const realtime = createStreamTaps(dataDir);
  const enriching = stageBar('  enrich');
  const streamed = enriching ? (await stream.read(null, Number.MAX_SAFE_INTEGER)).length : 0;
  const consumer = await openLocalConsumer(dataDir, 'c360 demo');
  const drained = await drainStream({
    stream,
    handler: consumer.handler,
    checkpointFile: join(paths.state, 'enrich.checkpoint'),
    tap: (records) => realtime.feed(records),
    onProgress: (r) => enriching?.update(r.records, streamed, 'stream records'),
  }).finally(() => consumer.release());
  enriching?.done();
  await realtime.close();
  const reasons =
    Object.entries(drained.quarantinedByReason)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  say(
    `  ${drained.records} stream records → ${drained.events} events: ${drained.delivered} stored in bronze, ${drained.duplicates} duplicates dropped, ${drained.quarantined} quarantined (${reasons})`,
  );
  const reconciled =
    drained.delivered + drained.duplicates + drained.quarantined + drained.suppressed === drained.events;
  say(
    `  reconciliation: events = stored + duplicates + quarantined${drained.suppressed ? ` + suppressed (${drained.suppressed}, erased identities)` : ''} → ${reconciled ? 'OK' : 'MISMATCH'}`,
  );
  return { drained, reconciled };
}

/**
 * Report subscribers for the demo (when the folder has none): the daily summary to ops, and the
 * weekly digest of the champions segment's orders to sales. The pipeline's DeliverReports sends
 * them through SMTP to the outbox sink (DIR/outbox/*.eml).
 */
async function subscribeDemo(dataDir: string): Promise<void> {
  if (existsSync(localSubscriptionsFile(dataDir))) return;
  await addSubscription(dataDir, { id: 'ops-daily', report: 'daily', email: 'ops@example.com' });
  await addSubscription(dataDir, {
    id: 'champions-weekly',
    report: 'weekly',
    filters: { segment: 'champions' },
    email: 'sales@example.com',
  });
}

/** Stage 5: the daily pipeline state machine, one run per arrival date. False (with the alerts said) when it failed. */
async function runPipeline(dataDir: string): Promise<boolean> {
  const paths = localPaths(dataDir);
  const dts = new Set<string>();
  for (const source of await readdir(join(paths.lake, 'bronze', 'events'))) {
    for (const type of await readdir(join(paths.lake, 'bronze', 'events', source))) {
      for (const dt of await readdir(join(paths.lake, 'bronze', 'events', source, type)))
        dts.add(dt.slice(3));
    }
  }
  const sorted = [...dts].sort();
  say(
    `  events arrived ${sorted[0]} .. ${sorted.at(-1)} (bronze is partitioned by arrival); one run per arrival date: ETL (Glue role) → data quality → warehouse (Redshift role) → models (SageMaker role) → scoring Map → scores → metrics`,
  );
  const pipelineStarted = performance.now();
  const onState = (e: { state: string; type: string; detail?: string }) => {
    if (e.type === 'succeeded' && e.state !== 'ScoreBatch') say(`    ${e.state} ✓`);
    if (e.type === 'failed' || e.type === 'retried')
      say(`    ${e.state} ${e.type}${e.detail ? `: ${e.detail}` : ''}`);
  };
  const run =
    sorted.length === 1
      ? await runDailyPipeline(sorted[0], { dataDir, onState })
      : await runBackfill(sorted[0] as string, sorted.at(-1) as string, { dataDir, onState });
  if (run.status !== 'SUCCEEDED') {
    for (const a of run.alerts) process.stderr.write(`c360 demo: ALERT ${a}\n`);
    process.stderr.write(`c360 demo: the pipeline failed: ${run.error?.name}: ${run.error?.cause}\n`);
    return false;
  }
  say(
    `  pipeline succeeded in ${((performance.now() - pipelineStarted) / 1000).toFixed(1)} s; all data quality checks passed`,
  );
  return true;
}

/**
 * The 360 put to work: the profile store the stream and the pipeline wrote (what `c360 serve`
 * answers GET /v1/profiles/{id} from), and the audiences delivered: a CSV export destination (kept
 * in DIR/state/destinations.json for `c360 audiences sync`) and a signed webhook to a receiver in
 * this process, which checks every signature.
 */
async function actOnThe360(dataDir: string): Promise<void> {
  const paths = localPaths(dataDir);
  const store = openLocalProfileStore(dataDir);
  const { live, computed } = store.counts();
  say(
    `  profile store: ${computed} profiles from the pipeline, ${live} kept live by the stream (GET /v1/profiles/{id} in c360 serve)`,
  );
  await closeLocalProfileStore(dataDir);
  const file = destinationsFile(dataDir);
  if (!existsSync(file))
    await writeFile(
      file,
      `${JSON.stringify({ destinations: [{ name: 'exports', type: 'file', audiences: '*' }] }, null, 2)}\n`,
    );
  const secret = randomBytes(24).toString('hex');
  let verified = 0;
  let forged = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ok = verifySignature(
        secret,
        String(req.headers['c360-signature']),
        Buffer.concat(chunks).toString('utf8'),
        Math.floor(Date.now() / 1000),
      );
      if (ok) verified++;
      else forged++;
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/audiences`;
    const rows = await syncAudiences({
      dataDir,
      destinations: [
        ...loadDestinations(dataDir),
        { name: 'demo-webhook', type: 'webhook', url, secret, audiences: '*' },
      ],
    });
    for (const r of rows.filter((x) => x.destination === 'demo-webhook'))
      say(
        `  audience ${r.audience}: ${r.entered} entered → CSV export and a signed webhook (${r.batches} batches)`,
      );
    say(`  the local receiver checked ${verified} signed batches (${forged} refused)`);
  } finally {
    await new Promise<void>((done) => receiver.close(() => done()));
    // The receiver lived for this run only: no later sync or erasure should look for it.
    await rm(join(paths.state, 'audiences', 'held', 'demo-webhook.json'), { force: true });
  }
}

/** Stage 6: the models the pipeline trained, with their holdout numbers. */
async function reportModels(dataDir: string): Promise<ModelMetrics> {
  const { version, metrics } = await latestMetrics(dataDir);
  const m = metrics as {
    churn: { holdout_auc: number; telco_auc: number };
    sentiment: { macro_f1: number };
    segments: { sizes: Record<string, number> };
    recommendations: { hit_rate_at_5?: number; popular_hit_rate_at_5?: number };
  };
  say(
    `  ${version}: churn AUC ${m.churn.holdout_auc.toFixed(3)} (time holdout), ${m.churn.telco_auc.toFixed(3)} (real Telco); sentiment macro-F1 ${m.sentiment.macro_f1.toFixed(3)}`,
  );
  if (m.recommendations.hit_rate_at_5 !== undefined)
    say(
      `  recommendations: hit rate@5 ${m.recommendations.hit_rate_at_5.toFixed(3)} on the time holdout (most popular: ${m.recommendations.popular_hit_rate_at_5?.toFixed(3)})`,
    );
  return m;
}

/** Stage 7: what the pipeline loaded into the warehouse. */
async function reportWarehouse(dataDir: string): Promise<Record<string, string> | undefined> {
  const whOrders = await openWarehouse(dataDir, { readOnly: true });
  let whKpis: Record<string, string> | undefined;
  let tables: { t: string; n: string }[] = [];
  try {
    [whKpis] = await whOrders.rows<Record<string, string>>(
      `SELECT k.orders, CAST(k.net_usd AS VARCHAR) AS net_usd, k.customers,
       (SELECT CAST(round(sum(clv_12m_usd), 2) AS VARCHAR) FROM reporting.customer_lifetime_value) AS clv_12m_usd
     FROM reporting.kpis k`,
    );
    tables = await whOrders.rows<{ t: string; n: string }>(
      'SELECT table_name AS t, CAST(rows_in_table AS VARCHAR) AS n FROM reporting.pipeline_health ORDER BY 1',
    );
  } finally {
    whOrders.close();
  }
  say(
    `  ${tables.map((r) => `${r.t} ${r.n}`).join(', ')}; reporting.kpis: ${whKpis?.orders} orders, net $${whKpis?.net_usd}; total 12-month CLV $${whKpis?.clv_12m_usd}`,
  );
  return whKpis;
}

/** Stage 8: the Customer 360 the lake now holds, and what went in. */
async function summarizeLake(
  paths: ReturnType<typeof localPaths>,
  {
    segmentEvents,
    sample,
    http,
    fileRows,
  }: { segmentEvents: number; sample: DemoSample; http: HttpCounts; fileRows: number },
): Promise<void> {
  const engine = await openDuckDb();
  try {
    await registerLakeViews(engine, paths.lake);
    const [c] = await engine.rows<Record<string, string>>(`SELECT count(*) AS customers,
      sum(CASE WHEN sources >= 2 THEN 1 ELSE 0 END) AS multi_source,
      sum(CASE WHEN identity_keys >= 3 THEN 1 ELSE 0 END) AS three_plus_keys,
      sum(gross_usd) AS gross_usd, sum(net_usd) AS net_usd, sum(orders) AS orders
    FROM gold.dim_customer`);
    const [k] = await engine.rows<
      Record<string, string>
    >(`SELECT round(sum(gross_usd) / sum(orders), 2) AS aov_usd,
      max(mau) AS peak_mau, round(avg(conversion_rate), 3) AS avg_conversion FROM gold.kpi_daily`);
    say(
      `  customers stitched: ${c?.customers} profiles (${c?.multi_source} seen in 2+ sources, ${c?.three_plus_keys} with 3+ identity keys)`,
    );
    say(
      `  orders ${c?.orders}, gross revenue $${c?.gross_usd} (net of refunds $${c?.net_usd}), AOV $${k?.aov_usd}, peak MAU ${k?.peak_mau}, avg daily conversion ${k?.avg_conversion}`,
    );
    say(
      `  inputs: ${segmentEvents + sample.invalidSegment.length} SDK events, ${sample.webhooks.length + 3} webhooks, ${http.postbacks} postbacks, ${fileRows} file rows`,
    );
    const seg =
      await engine.rows(`SELECT segment, count(*) AS customers, round(avg(monetary_usd), 2) AS avg_spend_usd
    FROM gold.customer_rfm GROUP BY segment ORDER BY customers DESC`);
    process.stdout.write(formatRows(seg, 'table').replace(/^(?=.)/gm, '  '));
  } finally {
    engine.close();
  }
}

/** The business dashboards from the warehouse's reporting views (QuickSight's role), and the reports. */
async function renderOutputs(dataDir: string): Promise<void> {
  const paths = localPaths(dataDir);
  // The business dashboards, from the warehouse's reporting views (QuickSight's role).
  const dashboardsDir = join(paths.root, 'dashboards');
  const dashWh = await openWarehouse(dataDir, { readOnly: true });
  try {
    const rendered = await renderDashboards({
      warehouse: dashWh,
      outDir: dashboardsDir,
      metricsFile: paths.metrics,
      cache: new DashboardCache(dashboardCacheDir(dataDir)),
      live: localLiveTimelines(dataDir),
    });
    say(`  dashboards: ${rendered.map((d) => d.title).join(', ')} → ${join(dashboardsDir, 'index.html')}`);
    // Reports for the last day with orders: the daily summary and that week's digest.
    const lastDay = rendered.find((d) => d.id === 'trends')?.range.to;
    if (lastDay) {
      const written = [];
      for (const kind of ['daily', 'weekly'] as const)
        written.push(
          (await writeReport(await buildReport(dashWh, kind, lastDay), join(paths.root, 'reports'))).html,
        );
      say(`  reports for ${lastDay}: ${written.join(', ')} (and .csv)`);
    }
    const subs = await subscriptionStatus(dataDir);
    const outbox = existsSync(localOutbox(dataDir)) ? (await readdir(localOutbox(dataDir))).length : 0;
    say(
      `  reports delivered by the pipeline: ${outbox} email(s) in ${localOutbox(dataDir)} for ${subs.length} subscription(s) (${subs.map((x) => `${x.id}: ${x.last_delivered || 'nothing due yet'}`).join(', ')})`,
    );
  } finally {
    dashWh.close();
  }
}

/** The SLOs on the metrics this run emitted (the same objectives the CloudWatch alarms watch). */
function reportSlos(dataDir: string): ReturnType<typeof evaluateSlos> {
  // The SLOs on the metrics this run emitted (the same objectives the CloudWatch alarms watch).
  const slos = evaluateSlos(
    loadSlos(projectRoot()),
    observationsFromEmf(readFileSync(localPaths(dataDir).metrics, 'utf8')),
    Date.now(),
  );
  say('  SLOs (config/slos.json; npx c360 slo for burn rates):');
  process.stdout.write(
    formatRows(
      slos.map((r) => ({
        slo: r.name,
        target: `${(r.target * 100).toFixed(1)} %`,
        value: r.value === null ? 'no data' : `${(r.value * 100).toFixed(3)} %`,
        status: r.alert
          ? r.alert.toUpperCase()
          : r.compliant === false
            ? 'MISSED'
            : r.compliant
              ? 'ok'
              : 'no data',
        budget_left: r.budget_left === null ? '' : `${(r.budget_left * 100).toFixed(1)} %`,
      })),
      'table',
    ).replace(/^(?=.)/gm, '  '),
  );
  return slos;
}

/** The closing summary: what went in and where it ended up, the models, the SLOs, and where the time went. */
function printRunSummary({
  drained,
  http,
  whKpis,
  m,
  slos,
}: {
  drained: DrainReport;
  http: HttpCounts;
  whKpis: Record<string, string> | undefined;
  m: ModelMetrics;
  slos: ReturnType<typeof evaluateSlos>;
}): void {
  // The closing summary: what went in and where it ended up, the models, the SLOs, and where the time went.
  (stages.at(-1) as { seconds?: number; started: number }).seconds =
    (performance.now() - (stages.at(-1) as { started: number }).started) / 1000;
  const sloOk = slos.filter((r) => r.compliant === true && !r.alert).length;
  const sloMeasured = slos.filter((r) => r.value !== null).length;
  say('\n  run summary:');
  process.stdout.write(
    formatRows(
      [
        { what: 'events in (stream)', value: String(drained.events) },
        { what: 'stored in bronze', value: String(drained.delivered) },
        { what: 'quarantined (with a reason)', value: String(drained.quarantined) },
        { what: 'duplicates dropped', value: String(drained.duplicates) },
        { what: 'rejected at the API (HTTP 400)', value: String(http.rejected) },
        { what: 'customers (warehouse, current)', value: String(whKpis?.customers ?? '') },
        { what: 'segments', value: Object.keys(m.segments.sizes).join(', ') },
        { what: 'churn AUC (time holdout)', value: m.churn.holdout_auc.toFixed(3) },
        { what: 'total 12-month CLV (USD)', value: String(whKpis?.clv_12m_usd ?? '') },
        { what: 'SLOs met (measured)', value: `${sloOk} of ${sloMeasured}` },
      ],
      'table',
    ).replace(/^(?=.)/gm, '  '),
  );
  process.stdout.write(
    formatRows(
      stages.map((st) => ({ stage: st.stage, seconds: (st.seconds ?? 0).toFixed(1) })),
      'table',
    ).replace(/^(?=.)/gm, '  '),
  );
}

/** Where to look next. */
function printNextSteps(dataDir: string, started: number): void {
  const paths = localPaths(dataDir);
  say(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s. Look further:`);
  say(
    `  open ${join(paths.root, 'dashboards', 'index.html')}   # the dashboards and the Customer 360 profile`,
  );
  const dataFlag = resolve(dataDir) === resolve(DEFAULT_DATA_DIR) ? '' : ` --data ${dataDir}`;
  say(`  npx c360 query${dataFlag} "SELECT * FROM gold.dim_customer ORDER BY net_usd DESC LIMIT 10"`);
  say(`  npx c360 query${dataFlag} "SELECT * FROM gold.kpi_daily ORDER BY day LIMIT 10"`);
  say(`  npx c360 query --warehouse${dataFlag} "SELECT * FROM reporting.customer_segments"`);
  say(`  npx c360 quarantine list${dataFlag}`);
  say(`  npx c360 dq --summary${dataFlag}   # rows flagged by data quality (published as sent)`);
  say(`  npx c360 slo${dataFlag}          # SLIs, error budget and burn rates`);
  say(
    `  npx c360 models list${dataFlag}  # model versions, which is live, their metrics (and: models health)`,
  );
  say(`  npx c360 keys list${dataFlag}    # write keys: client-side (public) or server-side, limits, on/off`);
  say(
    `  npx c360 query --warehouse${dataFlag} "SELECT audience, count(*) FROM gold.audience_members GROUP BY 1"   # consented audiences`,
  );
  say(
    `  npx c360 profiles get user_id:cdnow-3${dataFlag} --format json   # one profile, as the profile API answers`,
  );
  say(
    `  npx c360 audiences list${dataFlag}   # audiences and their sizes (sync: to DIR/state/destinations.json)`,
  );
  say(`  npx c360 export-person${dataFlag} --user-id cdnow-3   # everything held about one person, one zip`);
  say(`  npx c360 warehouse reconcile --all${dataFlag}   # every day of gold, lake against warehouse`);
  say(`  npx c360 report subscriptions${dataFlag}   # who receives the daily summary and weekly digest`);
  say(
    `  npx c360 dashboard --serve${dataFlag}   # the dashboards live, with filters and drill-down: http://127.0.0.1:8089/explore/?key=c360-dev-read-key`,
  );
  say('  npx c360 serve          # the ingest API on http://127.0.0.1:8088 (see README)');
}

/** `c360 demo --live`: the running platform on the demo folder, until Ctrl-C or --minutes. */
async function live(o: { data: string; rate: number; minutes?: number; port: number }): Promise<number> {
  const paths = localPaths(o.data);
  if (!existsSync(join(paths.root, DEMO_MARKER)) || !existsSync(join(paths.lake, 'gold', 'dim_customer'))) {
    process.stderr.write(
      `c360 demo --live: ${paths.root} holds no demo run: run "npm start" (or c360 demo${o.data === DEFAULT_DATA_DIR ? '' : ` --data ${o.data}`}) first\n`,
    );
    return 1;
  }
  const demo = await startLiveDemo({ dataDir: o.data, port: o.port, ratePerSecond: o.rate, say });
  say(
    `c360 demo --live: ${o.rate} events/s to ${demo.url} (page views, product views, orders of the demo's customers)`,
  );
  say(
    `  open ${join(paths.root, 'dashboards', 'realtime.html')}   # Real-Time Purchase Trends: reloads itself, new minute each minute`,
  );
  say(
    `  curl -H "Authorization: Bearer c360-dev-read-key" ${demo.url}/v1/profiles/user_id:cdnow-3   # a profile, live`,
  );
  say(o.minutes ? `  running ${o.minutes} minute(s)` : '  stop with Ctrl-C');
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (o.minutes) setTimeout(done, o.minutes * 60_000).unref();
  });
  await demo.stop();
  const sent = demo.sent();
  say(
    `stopped: ${sent.events} events sent (${sent.orders} orders, ${sent.refused} refused), ${demo.refreshes()} minutes rendered`,
  );
  return sent.refused ? 1 : 0;
}
