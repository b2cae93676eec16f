import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { simpleParser } from 'mailparser';
import { chromium } from 'playwright-core';
import { yamlParse } from 'yaml-cfn';
import { FileEventStream } from '../../src/adapters/local/file-stream';
import { FolderObjectStore } from '../../src/adapters/local/object-store';
import { run } from '../../src/cli/commands/demo';
import { run as exportPerson } from '../../src/cli/commands/export-person';
import { run as forget } from '../../src/cli/commands/forget';
import { run as query } from '../../src/cli/commands/query';
import { run as report } from '../../src/cli/commands/report';
import { startServe } from '../../src/cli/commands/serve';
import { startLiveDemo } from '../../src/cli/live-demo';
import { DASHBOARDS } from '../../src/dashboards/definitions';
import { EXPLORE_DASHBOARDS, exploreForQuickSight } from '../../src/dashboards/explore';
import { decodeEnvelope } from '../../src/domain/envelope';
import { eventKey } from '../../src/domain/event';
import { ModelRegistry } from '../../src/domain/models/registry';
import { normalize } from '../../src/domain/normalize';
import type { profileAnswer } from '../../src/domain/profile';
import { lit, openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { materializeScores, trainModels } from '../../src/models/train';
import { exploreRoutes } from '../../src/runtime/explore-routes';
import { startHttpServer } from '../../src/runtime/http-server';
import { createLocalEnrichHandler, localPrivacy } from '../../src/runtime/local-enrich';
import { closeLocalProfileStore, openLocalProfileStore } from '../../src/runtime/profiles';
import { localOutbox, subscriptionStatus } from '../../src/runtime/reports';
import {
  birthdayOf,
  emailOf,
  FIRST,
  IPS,
  LAST,
  parseCdnowPurchases,
  streetOf,
} from '../../src/sample/demo-data';
import { loadWarehouse, openWarehouse } from '../../src/warehouse/embedded';
import { runAwsScoring, writeScoreFiles } from '../helpers/aws-scoring';
import { kinesisEvent, segmentEnvelope } from '../helpers/kinesis';
import { storeTexts } from '../helpers/store-text';

/**
 * One stitched customer with orders, seen by 3+ sources and in the CRM batch file (so the landing
 * inbox holds a row of theirs): their ids, revenue, and every identity key.
 */
async function crmPerson(data: string) {
  const inCrmFile = readFileSync(join(data, 'inbox', 'crm_contacts.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[1] as string)
    .filter(Boolean);
  const engine = await openDuckDb();
  try {
    await registerLakeViews(engine, join(data, 'lake'));
    const [person] = await engine.rows<{ customer_id: string; user_id: string; orders: string; net: string }>(
      `SELECT d.customer_id, m.id_value AS user_id,
         (SELECT count(*) FROM gold.fact_orders o WHERE o.customer_id = d.customer_id AND is_revenue) AS orders,
         (SELECT CAST(sum(net_usd) AS VARCHAR) FROM gold.fact_orders o WHERE o.customer_id = d.customer_id AND is_revenue) AS net
       FROM gold.dim_customer d JOIN silver.identity_map m ON m.customer_id = d.customer_id AND m.id_type = 'user_id'
       WHERE d.sources >= 3 AND d.orders > 1 AND m.id_value IN (${inCrmFile.map(lit).join(', ')}) ORDER BY d.customer_id LIMIT 1`,
    );
    if (!person) throw new Error('the demo has no customer in the CRM file with orders from 3+ sources');
    const keys = await engine.rows<{ type: string; value: string }>(
      `SELECT id_type AS type, id_value AS value FROM silver.identity_map WHERE customer_id = ${lit(person.customer_id)} ORDER BY 1, 2`,
    );
    return { person, keys };
  } finally {
    engine.close();
  }
}

type ProfileAnswer = Partial<ReturnType<typeof profileAnswer>>;

/** `npm start`: the whole embedded pipeline on the shipped real data, end to end. */
describe('c360 demo (npm start)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-demo-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs ingest → stream → enrich → lake → silver → gold and the counts reconcile', async () => {
    let out = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await run(['--data', join(dir, 'demo'), '--customers', '80', '--seed', '7']);
    } finally {
      write.mockRestore();
    }
    expect(code).toBe(0);
    expect(out).toContain('reconciliation: events = stored + duplicates + quarantined → OK');
    expect(out).toContain('all data quality checks passed');
    expect(out).toMatch(/orders \S*inbox\/orders\.csv: 6919 rows, 6919 accepted, 0 rejected \(csv\)/);
    expect(out).toMatch(/Segment API: \d+ events accepted, 3 rejected \(HTTP 400/);
    expect(out).toMatch(/1 bad signature rejected \(401\)/);
    expect(out).toMatch(/quarantined \(unknown_type 1\)/);

    // Conservation from the stores themselves, not the demo's counters: every event the API, the
    // webhooks and the files put on the stream is in bronze, in quarantine, or the duplicate of an
    // event with the same id.
    const records = await new FileEventStream(join(dir, 'demo', 'stream', 'events')).read(null, 10_000_000);
    let streamed = 0;
    const keys: string[] = [];
    for (const rec of records) {
      const outcome = normalize(decodeEnvelope(Buffer.from(rec.data, 'base64').toString('utf8')));
      if (outcome.ok) {
        streamed += outcome.events.length;
        for (const e of outcome.events) keys.push(eventKey(e as never));
      } else streamed += 1;
    }
    const stores = await openDuckDb();
    try {
      await registerLakeViews(stores, join(dir, 'demo', 'lake'));
      const [b] = await stores.rows<{ n: string }>('SELECT count(*) AS n FROM bronze.events');
      const [q] = await stores.rows<{ n: string }>('SELECT count(*) AS n FROM quarantine.events');
      const duplicates = keys.length - new Set(keys).size;
      expect(duplicates).toBeGreaterThan(0);
      expect({ streamed, stored: Number(b?.n) + Number(q?.n) + duplicates }).toEqual({
        streamed,
        stored: streamed,
      });
      // Bronze holds each event id once.
      const [u] = await stores.rows<{ n: string }>(
        'SELECT count(DISTINCT concat(source, eventId)) AS n FROM bronze.events',
      );
      expect(Number(u?.n)).toBe(Number(b?.n));
    } finally {
      stores.close();
    }

    const engine = await openDuckDb();
    try {
      await registerLakeViews(engine, join(dir, 'demo', 'lake'));
      const [c] = await engine.rows<{ customers: string; stitched: string; orders: string }>(
        'SELECT count(*) AS customers, sum(CASE WHEN sources >= 2 THEN 1 ELSE 0 END) AS stitched, sum(orders) AS orders FROM gold.dim_customer',
      );
      // 2,357 CDNOW customers plus tweet authors; the 80 with web activity are stitched across sources.
      expect(Number(c?.customers)).toBeGreaterThan(2357);
      expect(Number(c?.stitched)).toBeGreaterThanOrEqual(80);
      // The real-time tier saw every event enrich saw (a second consumer of the same records),
      // and every paid order event in bronze (the demo sends no duplicate orders).
      const enriched = Number(/stream records → (\d+) events/.exec(out)?.[1]);
      const [rt] = await engine.rows<{ events: string; orders: string }>(
        `SELECT sum(events) AS events, sum(orders) AS orders FROM read_json(${lit(join(dir, 'demo', 'lake', 'realtime', '*', '*.ndjson'))})`,
      );
      expect(Number(rt?.events)).toBe(enriched);
      const [paid] = await engine.rows<{ n: string }>(
        "SELECT count(*) AS n FROM bronze.events WHERE type = 'order_completed' AND coalesce(properties.status, 'paid') = 'paid'",
      );
      expect(Number(rt?.orders)).toBe(Number(paid?.n));
      const [o] = await engine.rows<{ n: string }>(
        "SELECT count(*) AS n FROM gold.fact_orders WHERE source = 'orders'",
      );
      expect(Number(o?.n)).toBeGreaterThan(6000);
      // Gold revenue of the real CDNOW sample equals the raw file to the cent: every row's dollar
      // value summed here in integer cents from its text, independently of the pipeline.
      const rows = readFileSync(join(__dirname, '../../data/sample/cdnow_sample.txt'), 'utf8')
        .split('\n')
        .filter((l) => l.trim());
      const cents = rows.reduce((sum, l) => {
        const [whole, frac = ''] = (l.trim().split(/\s+/).at(-1) ?? '0').split('.');
        return sum + Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
      }, 0);
      const [cd] = await engine.rows<{ orders: string; gross: string; net: string }>(
        "SELECT count(*) AS orders, CAST(sum(gross_usd) AS VARCHAR) AS gross, CAST(sum(net_usd) AS VARCHAR) AS net FROM gold.fact_orders WHERE provider = 'orders_file'",
      );
      expect(cd).toEqual({
        orders: String(rows.length),
        gross: (cents / 100).toFixed(2),
        net: (cents / 100).toFixed(2),
      });
      expect(cd?.gross).toBe('244091.94');
    } finally {
      engine.close();
    }
    // The warehouse holds what gold holds: orders and net revenue, and every table is loaded.
    const wh = await openWarehouse(join(dir, 'demo'), { readOnly: true });
    const lakeEngine = await openDuckDb();
    try {
      await registerLakeViews(lakeEngine, join(dir, 'demo', 'lake'));
      const q =
        'SELECT count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net FROM gold.fact_orders WHERE is_revenue';
      expect(await wh.rows(q)).toEqual(await lakeEngine.rows(q));
      // Every customer in the warehouse has its scores from a versioned model.
      expect(
        await wh.rows(`SELECT count(*) AS unscored FROM gold.dim_customer d
          LEFT JOIN gold.customer_scores s ON s.customer_id = d.customer_id
          WHERE d.is_current AND (s.segment IS NULL OR s.model_version IS NULL OR s.churn_probability IS NULL
            OR s.p_alive IS NULL OR s.clv_12m_usd IS NULL)`),
      ).toEqual([{ unscored: '0' }]);
      // Prospects (no revenue order) are their own segment, alive by definition (BG/NBD has no
      // dropout before a first purchase); buyers are never called prospects.
      expect(
        await wh.rows(`SELECT count(*) AS wrong FROM gold.customer_scores s
          LEFT JOIN (SELECT DISTINCT customer_id FROM gold.fact_orders WHERE is_revenue) o ON o.customer_id = s.customer_id
          WHERE (o.customer_id IS NULL) <> (s.segment = 'prospect') OR (o.customer_id IS NULL AND s.p_alive <> 1)`),
      ).toEqual([{ wrong: '0' }]);
      expect(
        await wh.rows(`SELECT count(*) AS missing FROM gold.customer_scores s JOIN gold.fact_orders o ON o.customer_id = s.customer_id
          WHERE o.is_revenue AND (s.churn_probability IS NULL OR s.p_alive IS NULL OR s.clv_12m_usd IS NULL)`),
      ).toEqual([{ missing: '0' }]);
      // Five recommendations for every current customer, none of them a product they bought;
      // every buyer with order lines gets co-purchase ones.
      expect(
        await wh.rows(`SELECT count(*) AS wrong FROM gold.dim_customer d
          LEFT JOIN (SELECT customer_id, count(DISTINCT product_id) AS n FROM gold.customer_recommendations GROUP BY 1) r
            ON r.customer_id = d.customer_id
          WHERE d.is_current AND coalesce(r.n, 0) <> 5`),
      ).toEqual([{ wrong: '0' }]);
      expect(
        await lakeEngine.rows(`SELECT count(*) AS owned FROM gold.customer_recommendations r
          JOIN gold.fact_order_items l ON l.customer_id = r.customer_id AND l.product_id = r.product_id AND l.is_revenue`),
      ).toEqual([{ owned: '0' }]);
      // The order lines add up to their orders, to the cent.
      expect(
        await lakeEngine.rows(`SELECT count(*) AS off FROM gold.fact_orders o
          JOIN (SELECT order_key, sum(line_amount_minor) AS s FROM gold.fact_order_items GROUP BY 1) l USING (order_key)
          WHERE l.s <> o.amount_minor`),
      ).toEqual([{ off: '0' }]);
      for (const t of [
        'customer_recommendations',
        'fact_orders',
        'fact_sessions',
        'fact_support_tickets',
        'fact_ad_attribution',
        'dim_customer',
        'dim_date',
        'customer_scores',
      ]) {
        const [r] = await wh.rows<{ n: string }>(`SELECT count(*) AS n FROM gold.${t}`);
        expect(Number(r?.n)).toBeGreaterThan(0);
      }
    } finally {
      wh.close();
      lakeEngine.close();
    }
    // QuickSight shows the same numbers: each aggregated visual's field wells (the view, the
    // dimension, the measure and its aggregation) computed over the view equal the HTML's SQL.
    const wh3 = await openWarehouse(join(dir, 'demo'), { readOnly: true });
    try {
      for (const d of DASHBOARDS) {
        for (const v of d.visuals) {
          if (v.kind === 'table' || v.kind === 'scatter') continue;
          const m = v.qs.values[0] as { column: string; agg?: string };
          const agg = `${m.agg === 'AVERAGE' ? 'avg' : (m.agg ?? 'SUM').toLowerCase()}(${m.column})`;
          const html = await wh3.rows<Record<string, unknown>>(v.sql);
          if (v.kind === 'kpi') {
            const [q] = await wh3.rows<{ value: unknown }>(
              `SELECT ${agg} AS value FROM reporting.${v.qs.view}`,
            );
            expect({ visual: v.id, value: Number(q?.value) }).toEqual({
              visual: v.id,
              value: Number(html[0]?.value),
            });
            continue;
          }
          const x = v.qs.x?.column as string;
          const format = { date: '%Y-%m-%d', minute: '%Y-%m-%d %H:%M' }[v.qs.x?.kind as string];
          const key = format ? `strftime(${x}, '${format}')` : x;
          const qs = new Map(
            (
              await wh3.rows<{ k: string; v: unknown }>(
                `SELECT ${key} AS k, ${agg} AS v FROM reporting.${v.qs.view} WHERE ${x} IS NOT NULL GROUP BY 1`,
              )
            ).map((r) => [String(r.k), Number(r.v)]),
          );
          // The HTML shows percentages where QuickSight formats the share.
          const scale = v.units.startsWith('%') ? 100 : 1;
          for (const r of html) {
            const shown = Number(r[(v.y as string[])[0] as string]);
            expect({ visual: v.id, x: r[v.x as string], v: shown }).toEqual({
              visual: v.id,
              x: r[v.x as string],
              v: expect.closeTo((qs.get(String(r[v.x as string])) ?? Number.NaN) * scale, 2),
            });
          }
          expect(qs.size).toBeGreaterThanOrEqual(html.length);
        }
      }
    } finally {
      wh3.close();
    }
    // Retraining on the same gold is bit-identical: the same version, the same scores file.
    const scores = join(dir, 'demo', 'lake', 'gold', 'customer_scores', 'data.parquet');
    const before = readFileSync(scores);
    const again = await trainModels({ dataDir: join(dir, 'demo'), lakeDir: join(dir, 'demo', 'lake') });
    expect(again.version).toBe(readFileSync(join(dir, 'demo', 'models', 'LATEST'), 'utf8'));
    expect(readFileSync(scores).equals(before)).toBe(true);
    const engine2 = await openDuckDb();
    try {
      await registerLakeViews(engine2, join(dir, 'demo', 'lake'));
      // No clear-text email reached the lake; pseudonymized ones keep their domain.
      const [pii] = await engine2.rows<{ clear: string; hashed: string }>(`SELECT
          sum(CASE WHEN regexp_matches(json_extract_string(to_json(traits), '$.email'), '^[0-9a-f]{64}@') THEN 0 ELSE 1 END) AS clear,
          sum(CASE WHEN regexp_matches(json_extract_string(to_json(traits), '$.email'), '^[0-9a-f]{64}@') THEN 1 ELSE 0 END) AS hashed
        FROM bronze.events WHERE json_extract_string(to_json(traits), '$.email') IS NOT NULL`);
      expect(pii).toEqual({ clear: '0', hashed: expect.stringMatching(/^[1-9]\d*$/) });
    } finally {
      engine2.close();
    }
  }, 300_000); // the whole demo, model training included; slow when suites share the 2 cores

  it('the dashboards render in a real browser: charts drawn, no console errors, headline numbers equal SQL', async () => {
    const data = join(dir, 'demo');
    const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(executablePath))
      throw new Error(
        `no Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH); .ci/run installs it`,
      );
    // Independently of the reporting views: the headline numbers straight from the warehouse tables.
    const wh = await openWarehouse(data, { readOnly: true });
    let expected: Record<string, string>;
    try {
      const [r] = await wh.rows<Record<string, string>>(`SELECT
        (SELECT count(*) FROM gold.dim_customer WHERE is_current) AS customers,
        (SELECT count(*) FROM gold.fact_orders WHERE is_revenue) AS orders,
        (SELECT CAST(sum(net_usd) AS VARCHAR) FROM gold.fact_orders WHERE is_revenue) AS net_revenue,
        (SELECT CAST(round(sum(s.clv_12m_usd), 2) AS VARCHAR) FROM gold.customer_scores s
           JOIN gold.dim_customer d ON d.customer_id = s.customer_id AND d.is_current) AS total_clv,
        (SELECT sum(orders) FROM gold.realtime_minute
           WHERE window_start > (SELECT max(window_start) FROM gold.realtime_minute) - INTERVAL 60 MINUTE) AS realtime_orders`);
      expected = r as Record<string, string>;
    } finally {
      wh.close();
    }
    const browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const shots = join(dir, 'screenshots');
    await mkdir(shots, { recursive: true });
    const kpis: Record<string, string> = {};
    try {
      for (const name of ['index', ...DASHBOARDS.map((d) => d.id)]) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
        const errors: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`file://${join(data, 'dashboards', `${name}.html`)}`);
        if (name !== 'index') {
          await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
          // Every chart drew something: its canvas has painted pixels.
          const drawn = await page.$$eval('[data-chart]', (els) =>
            els.map((el) => {
              const c = el.querySelector('canvas');
              const px =
                c?.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
              let inked = 0;
              for (let i = 3; i < px.length; i += 4) if ((px[i] as number) > 0) inked++;
              return { id: el.id, inked };
            }),
          );
          // A chart with no rows says why instead (e.g. no scored day yet on Model Health).
          const empties = await page.$$eval('[data-empty]', (els) =>
            els.map((e) => e.getAttribute('data-empty')),
          );
          const charts = (DASHBOARDS.find((d) => d.id === name)?.visuals ?? []).filter(
            (v) => v.kind !== 'kpi' && v.kind !== 'table',
          );
          expect(charts.filter((v) => !empties.includes(v.id)).length).toBe(drawn.length);
          expect(drawn.length + empties.length).toBeGreaterThan(0);
          for (const d of drawn)
            expect({ chart: d.id, drawn: d.inked > 500 }).toEqual({ chart: d.id, drawn: true });
          const pairs = await page.$$eval('[data-kpi]', (els) =>
            els.map((e) => [e.getAttribute('data-kpi') ?? '', e.getAttribute('data-value') ?? '']),
          );
          for (const [k, v] of pairs) kpis[k as string] = v as string;
          // Every visual states its units and its date range.
          const metas = await page.$$eval('.card .meta', (els) => els.map((e) => e.textContent ?? ''));
          for (const m of metas)
            expect(m).toMatch(
              / · (\d{4}-\d{2}-\d{2}( \d{2}:\d{2})? to \d{4}-\d{2}-\d{2}( \d{2}:\d{2})? \(UTC\)|no data yet)$/,
            );
        } else {
          // Every dashboard and the Customer 360 profile page.
          expect(await page.$$eval('a[href$=".html"]', (as) => as.length)).toBe(DASHBOARDS.length + 1);
        }
        await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
        expect({ page: name, errors }).toEqual({ page: name, errors: [] });
        await page.close();
      }
    } finally {
      await browser.close();
    }
    // The Customer 360 profile: search a customer, see their orders.
    const wh2 = await openWarehouse(data, { readOnly: true });
    let top: { customer_id: string; n: string };
    let topRecs: string[];
    let topTimeline: number;
    // Someone who withdrew a consent: their current consent, its history and their audiences.
    let withdrew: { customer_id: string };
    let consentNow: { purpose: string; granted: boolean }[];
    let changes: number;
    let audiences: string[];
    try {
      [withdrew] = (await wh2.rows(
        'SELECT customer_id FROM gold.consent_history WHERE previously AND NOT granted ORDER BY customer_id LIMIT 1',
      )) as [typeof withdrew];
      consentNow = await wh2.rows(
        `SELECT purpose, granted FROM gold.customer_consent WHERE customer_id = '${withdrew.customer_id}' ORDER BY purpose`,
      );
      const [c] = await wh2.rows<{ n: string }>(
        `SELECT count(*) AS n FROM gold.consent_history WHERE customer_id = '${withdrew.customer_id}'`,
      );
      changes = Number(c?.n);
      audiences = (
        await wh2.rows<{ a: string }>(
          `SELECT audience AS a FROM gold.audience_members WHERE customer_id = '${withdrew.customer_id}' ORDER BY 1`,
        )
      ).map((r) => r.a);
      [top] = (await wh2.rows(
        'SELECT customer_id, count(*) AS n FROM gold.fact_orders WHERE customer_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1',
      )) as [typeof top];
      topRecs = (
        await wh2.rows<{ p: string }>(
          `SELECT product_id AS p FROM gold.customer_recommendations WHERE customer_id = '${top.customer_id}' ORDER BY rec_rank`,
        )
      ).map((r) => r.p);
      // Their events across sources, counted table by table (the page shows the latest 50).
      const [t] = await wh2.rows<{ n: string }>(`SELECT
          (SELECT count(*) FROM gold.fact_sessions WHERE customer_id = '${top.customer_id}' AND started_at IS NOT NULL)
        + (SELECT count(*) FROM gold.fact_orders WHERE customer_id = '${top.customer_id}' AND ordered_at IS NOT NULL)
        + (SELECT count(*) FROM gold.fact_support_tickets WHERE customer_id = '${top.customer_id}' AND created_at IS NOT NULL)
        + (SELECT count(*) FROM gold.fact_ad_attribution WHERE customer_id = '${top.customer_id}' AND attributed_at IS NOT NULL) AS n`);
      topTimeline = Math.min(50, Number(t?.n));
    } finally {
      wh2.close();
    }
    const profileBrowser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await profileBrowser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${join(data, 'dashboards', 'customer.html')}`);
      await page.waitForSelector('body[data-rendered="true"]');
      await page.fill('#search', top.customer_id);
      const shown = await page.$eval('#profile', (e) => [
        e.getAttribute('data-customer'),
        e.getAttribute('data-orders'),
      ]);
      expect(shown).toEqual([top.customer_id, String(top.n)]);
      // Their five recommended products, in rank order.
      expect(
        await page.$$eval('#recommendations tr td:nth-child(2)', (cells) => cells.map((c) => c.textContent)),
      ).toEqual(topRecs);
      expect(topRecs).toHaveLength(5);
      const timeline = await page.$$eval('#timeline tr td:nth-child(2)', (cells) =>
        cells.map((c) => c.textContent),
      );
      expect(timeline).toHaveLength(topTimeline);
      // All their events fit: every order of theirs is on it.
      if (topTimeline < 50) expect(timeline.filter((w) => w === 'order').length).toBe(Number(top.n));
      // The live timeline: their latest stream events as the profile store holds them, newest first.
      const store = openLocalProfileStore(data);
      const live = (await store.live([top.customer_id])).get(top.customer_id)?.recentEvents ?? [];
      await closeLocalProfileStore(data);
      expect(live.length).toBeGreaterThan(0);
      expect(
        await page.$$eval('#live-timeline tr', (trs) =>
          trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        ),
      ).toEqual(live.map((e) => [e.at, e.type, e.event ?? '—', e.source]));
      await page.screenshot({ path: join(shots, 'customer.png'), fullPage: false });
      // Consent on the profile: what the warehouse holds for them, a withdrawal among the changes.
      await page.fill('#search', withdrew.customer_id);
      const rowsOf = (table: string) =>
        page.$$eval(`#${table} tr`, (trs) =>
          trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        );
      expect((await rowsOf('consent')).map((r) => [r[0], r[1]])).toEqual(
        consentNow.map((k) => [k.purpose, k.granted ? 'granted' : 'refused']),
      );
      const history = await rowsOf('consent-history');
      expect(history).toHaveLength(changes);
      expect(history.map((r) => r[2])).toContain('granted → refused');
      expect((await rowsOf('audiences')).map((r) => r[0])).toEqual(audiences);
      expect(errors).toEqual([]);
    } finally {
      await profileBrowser.close();
    }
    expect(Number(kpis.customers)).toBe(Number(expected.customers));
    expect(Number(kpis.orders)).toBe(Number(expected.orders));
    expect(Number(kpis.net_revenue)).toBeCloseTo(Number(expected.net_revenue), 2);
    expect(Number(kpis.total_clv)).toBeCloseTo(Number(expected.total_clv), 2);
    expect(Number(kpis.orders_last_hour)).toBe(Number(expected.realtime_orders));
    // Pipeline Health counts what the lake's quarantine holds.
    const lakeQ = await openDuckDb();
    try {
      await registerLakeViews(lakeQ, join(data, 'lake'));
      const [q] = await lakeQ.rows<{ n: string }>('SELECT count(*) AS n FROM quarantine.events');
      expect(Number(kpis.quarantined)).toBe(Number(q?.n));
      expect(Number(q?.n)).toBeGreaterThan(0);
    } finally {
      lakeQ.close();
    }
    expect(Number(expected.realtime_orders)).toBeGreaterThan(0);
  }, 120_000);

  it('served dashboards: "last 30 days" and a segment, KPIs equal to SQL, a clicked bar opens the customers behind it (same count), a customer opens their 360 page, the CSV downloaded matches', async () => {
    const data = join(dir, 'demo');
    const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    // The expected numbers, from the warehouse's own tables (not the served view): the last 30
    // days up to the latest order day, one segment (the one with most orders in that window).
    const wh = await openWarehouse(data, { readOnly: true });
    let latest: string;
    let first: string;
    let segment: string;
    let kpis: { orders: string; net: string; buyers: string };
    let perDay: { day: string; orders: number }[];
    let previousOrders: number;
    const scope = (from: string, to: string) => `FROM gold.fact_orders o
      LEFT JOIN gold.dim_customer d ON d.customer_id = o.customer_id AND d.is_current
      WHERE o.is_revenue AND o.order_date BETWEEN DATE '${from}' AND DATE '${to}'`;
    try {
      [{ latest }] = (await wh.rows(
        "SELECT strftime(max(order_date), '%Y-%m-%d') AS latest FROM gold.fact_orders WHERE is_revenue",
      )) as [{ latest: string }];
      first = new Date(Date.parse(`${latest}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
      [{ segment }] = (await wh.rows(
        `SELECT coalesce(d.segment, 'no_segment') AS segment, count(*) AS n ${scope(first, latest)} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
      )) as [{ segment: string }];
      const inSegment = `${scope(first, latest)} AND coalesce(d.segment, 'no_segment') = ${lit(segment)}`;
      [kpis] = (await wh.rows(
        `SELECT CAST(count(*) AS VARCHAR) AS orders, CAST(sum(o.net_usd) AS VARCHAR) AS net, CAST(count(DISTINCT o.customer_id) AS VARCHAR) AS buyers ${inSegment}`,
      )) as [typeof kpis];
      const prevTo = new Date(Date.parse(`${first}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const prevFrom = new Date(Date.parse(`${first}T00:00:00Z`) - 30 * 86_400_000)
        .toISOString()
        .slice(0, 10);
      const [p] = (await wh.rows(
        `SELECT CAST(count(*) AS VARCHAR) AS n ${scope(prevFrom, prevTo)} AND coalesce(d.segment, 'no_segment') = ${lit(segment)}`,
      )) as [{ n: string }];
      previousOrders = Number(p.n);
      perDay = (
        await wh.rows<{ day: string; orders: string }>(
          `SELECT strftime(o.order_date, '%Y-%m-%d') AS day, CAST(count(*) AS VARCHAR) AS orders ${inSegment} GROUP BY 1 ORDER BY 1`,
        )
      ).map((r) => ({ day: r.day, orders: Number(r.orders) }));
    } finally {
      wh.close();
    }
    expect(Number(kpis.orders)).toBeGreaterThan(0);
    const server = await startHttpServer({ port: 0, routes: exploreRoutes({ dataDir: data }) });
    const browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, acceptDownloads: true });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      // Without a key: refused, saying how to get in.
      const refused = await page.goto(`${server.url}/explore/trends`);
      expect(refused?.status()).toBe(401);
      await page.goto(`${server.url}/explore/trends?key=c360-dev-read-key`);
      expect(page.url()).toBe(`${server.url}/explore/trends`);
      await page.waitForSelector('body[data-rendered="true"]');
      // Picking a preset or a segment applies it: the URL carries the filters.
      await Promise.all([page.waitForURL(/range=last_30/), page.selectOption('#f-range', 'last_30')]);
      await page.waitForSelector('body[data-rendered="true"]');
      await Promise.all([
        page.waitForURL(new RegExp(`segment=${encodeURIComponent(segment)}`)),
        page.selectOption('#f-segment', segment),
      ]);
      await page.waitForSelector('body[data-rendered="true"]');
      const shown = Object.fromEntries(
        await page.$$eval('[data-kpi]', (els) =>
          els.map((e) => [e.getAttribute('data-kpi'), e.getAttribute('data-value')]),
        ),
      );
      expect({
        orders: Number(shown.orders),
        net: Number(shown.net_revenue),
        buyers: Number(shown.buyers),
      }).toEqual({
        orders: Number(kpis.orders),
        net: Number(kpis.net),
        buyers: Number(kpis.buyers),
      });
      // Each KPI against the 30 days before, with the same segment.
      const before = Object.fromEntries(
        await page.$$eval('[data-previous]', (els) =>
          els.map((e) => [e.getAttribute('data-previous'), e.getAttribute('data-value')]),
        ),
      );
      expect(Number(before.orders)).toBe(previousOrders);
      // A shared link opens the same view.
      const link = page.url();
      expect(link).toContain('range=last_30');
      // Click the tallest bar of orders per day: its customers, whose orders add up to the bar.
      const tallest = perDay.reduce((a, b) => (b.orders > a.orders ? b : a));
      // The bar's top in page coordinates, from the chart itself (ECharts convertToPixel).
      const at = (await page.evaluate(`(() => {
        const chart = window.c360Charts.orders_per_day;
        const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [${JSON.stringify(tallest.day)}, ${tallest.orders}]);
        const box = chart.getDom().getBoundingClientRect();
        window.scrollTo(0, box.top + window.scrollY - 100);
        const moved = chart.getDom().getBoundingClientRect();
        return { x: moved.left + x, y: moved.top + y + 4 };
      })()`)) as { x: number; y: number };
      await Promise.all([page.waitForURL(/\/customers\?/), page.mouse.click(at.x, at.y)]);
      expect(new URL(page.url()).searchParams.get('x')).toBe(tallest.day);
      const summary = await page.$eval('#drill-summary', (e) => [
        e.getAttribute('data-customers'),
        e.getAttribute('data-value'),
        e.getAttribute('data-measure'),
      ]);
      expect(summary[2]).toBe('orders');
      expect(Number(summary[1])).toBe(tallest.orders);
      const listed = await page.$$eval('#customers tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
      expect(listed.length).toBe(Math.min(50, Number(summary[0])));
      if (listed.length === Number(summary[0]))
        expect(listed.reduce((n, r) => n + Number(r[1]), 0)).toBe(tallest.orders);
      // One customer opens their Customer 360 page.
      const who = listed.find((r) => r[0] !== '(guest orders)')?.[0] as string;
      await Promise.all([
        page.waitForURL(/\/explore\/customer\?id=/),
        page.click(`#customers a >> text=${who}`),
      ]);
      await page.waitForSelector('body[data-rendered="true"]');
      expect(await page.$eval('#profile', (e) => e.getAttribute('data-customer'))).toBe(who);
      // The CSV of a visual: the filters in its name and header, the rows the chart shows.
      await page.goto(link);
      await page.waitForSelector('body[data-rendered="true"]');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('a[data-csv="orders_per_day"]'),
      ]);
      expect(download.suggestedFilename()).toBe(
        `trends-orders_per_day-${first}_${latest}-segment-${segment.replace(/[^A-Za-z0-9_.-]+/g, '_')}.csv`,
      );
      const text = readFileSync((await download.path()) as string, 'utf8');
      const lines = text.trimEnd().split('\n');
      expect(lines[1]).toBe(`# filters: Last 30 days: ${first} to ${latest} (UTC), segment = ${segment}`);
      expect(lines[2]).toBe('day,orders,net_usd');
      expect(lines.slice(3).map((l) => ({ day: l.split(',')[0], orders: Number(l.split(',')[1]) }))).toEqual(
        perDay,
      );
      expect(errors).toEqual([]);
      // A bad filter is refused by name.
      const bad = await page.goto(`${server.url}/explore/trends?range=last_31`);
      expect(bad?.status()).toBe(400);
      expect(await page.textContent('#problem')).toContain('range: one of all, today, last_7');
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it('every served dashboard answers under its filters: the customers behind each drillable bar add up to it, the segmentation KPIs equal SQL, a bad filter is refused by name', async () => {
    const data = join(dir, 'demo');
    const server = await startHttpServer({ port: 0, routes: exploreRoutes({ dataDir: data }) });
    const get = async (path: string) => {
      const r = await fetch(`${server.url}${path}`, {
        headers: { authorization: 'Bearer c360-dev-read-key' },
      });
      return { status: r.status, text: await r.text() };
    };
    /** The rows each chart draws, and where a click on it goes (the page's embedded data). */
    const chartsOf = (html: string) =>
      (
        JSON.parse(
          (
            html.match(/<script type="application\/json" id="c360-data">([\s\S]*?)<\/script>/) as string[]
          )[1] as string,
        ) as {
          visuals: {
            id: string;
            x: string;
            y: string[];
            rows: Record<string, unknown>[];
            drill: string | null;
          }[];
        }
      ).visuals;
    const csvRows = (text: string) => {
      const lines = text.trimEnd().split('\n').slice(2);
      const cols = (lines[0] ?? '').split(',');
      return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
    };
    try {
      let drilled = 0;
      for (const d of EXPLORE_DASHBOARDS) {
        const page = await get(`/explore/${d.id}`);
        expect([d.id, page.status]).toEqual([d.id, 200]);
        for (const v of chartsOf(page.text).filter((x) => x.drill && x.rows.length)) {
          // The tallest bar, and the customers behind it.
          const y = v.y[0] as string;
          const bar = v.rows.reduce((a, b) => (Number(b[y]) > Number(a[y]) ? b : a));
          const list = await get(
            `${(v.drill as string).replace('/customers?', '/customers.csv?')}&x=${encodeURIComponent(String(bar[v.x]))}`,
          );
          expect([d.id, v.id, list.status]).toEqual([d.id, v.id, 200]);
          const rows = csvRows(list.text);
          const total = d.set === 'orders' ? rows.reduce((n, r) => n + Number(r.orders), 0) : rows.length;
          expect([d.id, v.id, String(bar[v.x]), total]).toEqual([
            d.id,
            v.id,
            String(bar[v.x]),
            Number(bar[y]),
          ]);
          drilled++;
        }
      }
      expect(drilled).toBeGreaterThanOrEqual(6);
      // Segmentation, last 90 days (by first order) and the largest segment in them: against gold.dim_customer.
      const wh = await openWarehouse(data, { readOnly: true });
      let expected: { segment: string; customers: string; net: string; latest: string };
      try {
        const [{ latest }] = (await wh.rows(
          "SELECT strftime(max(CAST(first_order_at AS DATE)), '%Y-%m-%d') AS latest FROM gold.dim_customer WHERE is_current",
        )) as [{ latest: string }];
        const from = new Date(Date.parse(`${latest}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
        const scope = `FROM gold.dim_customer WHERE is_current AND CAST(first_order_at AS DATE) BETWEEN DATE '${from}' AND DATE '${latest}'`;
        const [top] = (await wh.rows(
          `SELECT coalesce(segment, 'no_orders') AS segment ${scope} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
        )) as [{ segment: string }];
        [expected] = (await wh.rows(
          `SELECT ${lit(top.segment)} AS segment, CAST(count(*) AS VARCHAR) AS customers, CAST(sum(net_usd) AS VARCHAR) AS net, ${lit(latest)} AS latest ${scope} AND coalesce(segment, 'no_orders') = ${lit(top.segment)}`,
        )) as [typeof expected];
      } finally {
        wh.close();
      }
      const seg = await get(
        `/explore/segments?range=last_90&segment=${encodeURIComponent(expected.segment)}`,
      );
      expect(seg.status).toBe(200);
      const kpi = (id: string) =>
        (seg.text.match(new RegExp(`data-kpi="${id}" data-value="([^"]*)"`)) as string[])[1];
      expect({ customers: Number(kpi('customers')), net: Number(kpi('net_revenue')) }).toEqual({
        customers: Number(expected.customers),
        net: Number(expected.net),
      });
      expect(Number(expected.customers)).toBeGreaterThan(0);
      expect(seg.text).toContain(`Presets end on ${expected.latest}`);
      // Real time has no dates to filter; a filter a dashboard does not know is refused by name.
      const rt = await get('/explore/realtime?range=last_7');
      expect([rt.status, rt.text]).toEqual([
        400,
        expect.stringContaining('range: reporting.realtime_trends has no dates'),
      ]);
      const refresh = await get('/explore/realtime');
      expect(refresh.text).toContain('<meta http-equiv="refresh" content="30">');
      const sort = await get('/explore/clv/customers_by_band/customers?x=%2410-50&sort=orders_desc');
      expect([sort.status, sort.text]).toEqual([
        400,
        expect.stringContaining('sort: one of net_usd, clv_12m_usd'),
      ]);
    } finally {
      await server.close();
    }
  });

  it('exports any reporting view as Parquet or CSV with c360 query --out', async () => {
    const data = join(dir, 'demo');
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const [format, file] of [
        ['parquet', join(dir, 'segments.parquet')],
        ['csv', join(dir, 'segments.csv')],
      ] as const)
        expect(
          await query([
            '--warehouse',
            '--data',
            data,
            '--format',
            format,
            '--out',
            file,
            'SELECT * FROM reporting.customer_segments',
          ]),
        ).toBe(0);
    } finally {
      out.mockRestore();
    }
    const engine = await openDuckDb();
    try {
      const wh = await openWarehouse(data, { readOnly: true });
      let expected: unknown;
      try {
        expected = await wh.rows(
          'SELECT segment, customers FROM reporting.customer_segments ORDER BY segment',
        );
      } finally {
        wh.close();
      }
      expect(
        await engine.rows(
          `SELECT segment, CAST(customers AS VARCHAR) AS customers FROM read_parquet(${lit(join(dir, 'segments.parquet'))}) ORDER BY segment`,
        ),
      ).toEqual(expected);
      expect(
        await engine.rows(
          `SELECT segment, CAST(customers AS VARCHAR) AS customers FROM read_csv_auto(${lit(join(dir, 'segments.csv'))}) ORDER BY segment`,
        ),
      ).toEqual(expected);
    } finally {
      engine.close();
    }
  });

  it('c360 query is read-only and confined: no writes to the lake or warehouse, no file outside the lake, --out the only file written', async () => {
    const data = join(dir, 'demo');
    const said: string[] = [];
    const capture = (chunk: unknown) => {
      said.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    const orders = async () => {
      const wh = await openWarehouse(data, { readOnly: true });
      try {
        return (await wh.rows<{ n: string }>('SELECT count(*) AS n FROM gold.fact_orders'))[0]?.n;
      } finally {
        wh.close();
      }
    };
    try {
      const before = await orders();
      expect(Number(before)).toBeGreaterThan(0);
      const stray = join(dir, 'stray.csv');
      const cases: [string[], number][] = [
        [['--warehouse', 'DELETE FROM gold.fact_orders'], 2],
        [['--warehouse', 'SELECT 1; DROP TABLE gold.fact_orders'], 2],
        [['--warehouse', `ATTACH ${lit(join(dir, 'other.duckdb'))} AS o`], 2],
        [[`COPY (SELECT 1) TO ${lit(stray)}`], 2],
        [[`COPY (SELECT 1) TO ${lit(join(data, 'lake', 'gold', 'x.csv'))}`], 2],
        [[`SELECT * FROM read_text(${lit(join(data, 'state', 'vault.key'))})`], 1],
        [['--warehouse', `SELECT * FROM read_text(${lit(join(data, 'state', 'vault.key'))})`], 1],
        [
          [
            `SELECT count(*) AS n FROM read_csv_auto(${lit(join(__dirname, '../../sql/reference/currencies.csv'))})`,
          ],
          1,
        ],
      ];
      for (const [args, code] of cases)
        expect({ args, code: await query(['--data', data, ...args]).catch(() => 1) }).toEqual({ args, code });
      expect(existsSync(stray)).toBe(false);
      expect(existsSync(join(data, 'lake', 'gold', 'x.csv'))).toBe(false);
      expect(await orders()).toBe(before);
      expect(said.join('')).not.toMatch(/[0-9a-f]{64}/);
      // What it is for still works: a SELECT over the lake, an EXPLAIN, an export to --out.
      expect(await query(['--data', data, 'SELECT count(*) AS n FROM gold.dim_customer'])).toBe(0);
      expect(await query(['--data', data, 'EXPLAIN SELECT count(*) FROM gold.fact_orders'])).toBe(0);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  it('writes the daily summary and weekly digest with numbers equal to the warehouse facts', async () => {
    const data = join(dir, 'demo');
    const wh = await openWarehouse(data, { readOnly: true });
    let day: string;
    let expected: { orders: string; net: string; prev_orders: string };
    try {
      [{ day } = { day: '' }] = await wh.rows<{ day: string }>(
        "SELECT strftime(order_date, '%Y-%m-%d') AS day FROM gold.fact_orders WHERE is_revenue GROUP BY order_date ORDER BY count(*) DESC, order_date LIMIT 1",
      );
      [expected] = (await wh.rows(`SELECT
          (SELECT count(*) FROM gold.fact_orders WHERE is_revenue AND order_date = DATE '${day}') AS orders,
          (SELECT CAST(sum(net_usd) AS VARCHAR) FROM gold.fact_orders WHERE is_revenue AND order_date = DATE '${day}') AS net,
          (SELECT count(*) FROM gold.fact_orders WHERE is_revenue AND order_date = DATE '${day}' - INTERVAL 7 DAY) AS prev_orders`)) as [
        typeof expected,
      ];
    } finally {
      wh.close();
    }
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const kind of ['daily', 'weekly'])
        expect(await report([kind, '--date', day, '--data', data])).toBe(0);
    } finally {
      out.mockRestore();
    }
    const csv = readFileSync(join(data, 'reports', `daily-${day}.csv`), 'utf8');
    const row = (metric: string) =>
      csv
        .split('\n')
        .find((l) => l.startsWith(`${metric},`))
        ?.split(',');
    expect(row('orders')?.slice(1, 3).map(Number)).toEqual([
      Number(expected.orders),
      Number(expected.prev_orders),
    ]);
    expect(Number(row('net_usd')?.[1])).toBeCloseTo(Number(expected.net), 2);
    expect(readFileSync(join(data, 'reports', `daily-${day}.html`), 'utf8')).toContain(
      `data-metric="orders"`,
    );
    const weekly = readdirSync(join(data, 'reports')).filter((f) => f.startsWith('weekly-'));
    expect(weekly.length).toBeGreaterThanOrEqual(2);
  });

  it("reports reach subscribers: the demo run mailed the daily summary (MIME over SMTP, its CSV attached); a subscription's segment filter gives the orders, customers and net revenue SQL gives", async () => {
    const data = join(dir, 'demo');
    // What the pipeline's DeliverReports sent: ops-daily's summary of the run date.
    const outbox = readdirSync(localOutbox(data));
    expect(outbox).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(localOutbox(data), outbox[0] as string)));
    const runDate = /c360 daily summary, (\d{4}-\d{2}-\d{2})$/.exec(mail.subject ?? '')?.[1] as string;
    expect((mail.to as { text: string }).text).toBe('ops@example.com');
    expect(mail.attachments.map((a) => a.content.toString('utf8'))).toEqual([
      readFileSync(join(data, 'reports', `daily-${runDate}.csv`), 'utf8'),
    ]);
    const subs = await subscriptionStatus(data);
    expect(subs.map((x) => [x.id, x.status, x.last_delivered])).toEqual([
      ['ops-daily', 'active', `daily-${runDate}`],
      ['champions-weekly', 'active', expect.any(String)],
    ]);
    // A filtered report: the busiest order day, its busiest segment; against the warehouse's tables.
    const wh = await openWarehouse(data, { readOnly: true });
    let day: string;
    let segment: string;
    let expected: Record<string, string>;
    try {
      const scope = `FROM gold.fact_orders o LEFT JOIN gold.dim_customer d ON d.customer_id = o.customer_id AND d.is_current WHERE o.is_revenue`;
      [{ day, segment }] = (await wh.rows(
        `SELECT strftime(o.order_date, '%Y-%m-%d') AS day, coalesce(d.segment, 'no_segment') AS segment ${scope} GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1`,
      )) as [{ day: string; segment: string }];
      [expected] = (await wh.rows(
        `SELECT CAST(count(*) AS VARCHAR) AS orders, CAST(count(DISTINCT o.customer_id) AS VARCHAR) AS customers, CAST(sum(o.net_usd) AS VARCHAR) AS net ${scope} AND o.order_date = DATE '${day}' AND coalesce(d.segment, 'no_segment') = ${lit(segment)}`,
      )) as [Record<string, string>];
    } finally {
      wh.close();
    }
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await report(['daily', '--date', day, '--segment', segment, '--data', data])).toBe(0);
    } finally {
      out.mockRestore();
    }
    const file = readdirSync(join(data, 'reports')).find(
      (f) => f.startsWith(`daily-${day}--segment-`) && f.endsWith('.json'),
    ) as string;
    const json = JSON.parse(readFileSync(join(data, 'reports', file), 'utf8')) as {
      title: string;
      filters: Record<string, string>;
      lines: { metric: string; value: number }[];
    };
    expect(json.filters).toEqual({ segment });
    expect(json.title).toBe(`c360 daily summary, ${day} (segment = ${segment})`);
    const value = (m: string) => json.lines.find((l) => l.metric === m)?.value;
    expect([value('orders'), value('customers')]).toEqual([
      Number(expected.orders),
      Number(expected.customers),
    ]);
    expect(value('net_usd')).toBeCloseTo(Number(expected.net), 2);
    expect(Number(expected.orders)).toBeGreaterThan(0);
  });

  it('every QuickSight visual has data in the warehouse the AWS path loads: the scores from the deployed scoring steps, every figure non-null', async () => {
    const data = join(dir, 'demo');
    const lakeDir = join(data, 'lake');
    const agg = {
      SUM: 'sum',
      COUNT: 'count',
      DISTINCT_COUNT: 'count(DISTINCT',
      AVERAGE: 'avg',
      MAX: 'max',
    } as const;
    // What QuickSight asks of each visual's dataset: the measures aggregated by the dimension (or
    // the columns shown); a visual is empty when no row comes back or a measure is NULL in all.
    const emptyVisuals = async () => {
      const wh = await openWarehouse(data, { readOnly: true });
      const empty: string[] = [];
      try {
        for (const d of [...DASHBOARDS, ...exploreForQuickSight()])
          for (const v of d.visuals) {
            const grouped = v.kind !== 'table' && v.kind !== 'scatter';
            const measures = v.qs.values.map((m, i) => {
              const fn = agg[m.agg ?? 'SUM'];
              return grouped
                ? `${fn}${fn.endsWith('DISTINCT') ? ' ' : '('}${m.column}) AS m${i}`
                : `${m.column} AS m${i}`;
            });
            const x = v.qs.x && grouped ? v.qs.x.column : undefined;
            const rows = await wh.rows<Record<string, unknown>>(
              `SELECT ${[...(x ? [x] : []), ...measures].join(', ')} FROM reporting.${v.qs.view}${x ? ` GROUP BY ${x}` : ''}`,
            );
            const allNull = grouped && v.qs.values.some((_, i) => rows.every((r) => r[`m${i}`] === null));
            if (rows.length === 0 || allNull) empty.push(`${d.id}/${v.id}`);
          }
        return empty;
      } finally {
        wh.close();
      }
    };
    const embedded = await emptyVisuals();
    const DAY = '2026-03-01';
    const registry = new ModelRegistry(new FolderObjectStore(data));
    const churn = await registry.live('churn');
    const aws = await runAwsScoring({
      lakeDir,
      churnModel: JSON.parse(readFileSync(join(data, churn?.artifact as string), 'utf8')),
      date: DAY,
      workDir: join(dir, 'aws-athena'),
    });
    // The warehouse as the deployed load step fills it: customer_scores from the Map's files.
    await materializeScores(lakeDir, await writeScoreFiles(aws, join(dir, 'aws-scores')));
    await loadWarehouse({ dataDir: data, lakeDir });
    const wh = await openWarehouse(data, { readOnly: true });
    try {
      // Every current customer's score row is the AWS path's now (merged on customer and day).
      const [scores] = await wh.rows<{ n: string; aws: string }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE model_version = ${lit(aws.modelVersion)}) AS aws
         FROM gold.customer_scores s JOIN gold.dim_customer d ON d.customer_id = s.customer_id AND d.is_current
         WHERE s.scored_at = (SELECT max(scored_at) FROM gold.customer_scores)`,
      );
      const lines = aws.scoreFiles.reduce((a, t) => a + t.trim().split('\n').length - 1, 0);
      expect({ n: Number(scores?.n), aws: Number(scores?.aws) }).toEqual({ n: lines, aws: lines });
    } finally {
      wh.close();
    }
    const deployed = await emptyVisuals();
    // Nothing the embedded run shows is missing on the AWS path, and every visual over the model
    // outputs (segments, CLV) has data. The demo's one run has no segment moves yet and breaks no
    // row-level rule: those visuals are empty on both paths, by the data.
    expect(deployed).toEqual(embedded);
    expect(
      deployed.filter(
        (v) => !['segments/migrations', 'health/rows_flagged', 'health/flags_by_rule'].includes(v),
      ),
    ).toEqual([]);
  }, 300_000);

  it('declares gold dim_customer in the Glue catalog with the columns the SQL writes (Lake Formation governs them)', async () => {
    const t = yamlParse(readFileSync(join(__dirname, '../../template.yaml'), 'utf8')) as {
      Resources: {
        DimCustomerGlueTable: {
          Properties: { TableInput: { StorageDescriptor: { Columns: { Name: string; Type: string }[] } } };
        };
      };
    };
    const declared = t.Resources.DimCustomerGlueTable.Properties.TableInput.StorageDescriptor.Columns;
    const engine = await openDuckDb();
    try {
      const actual = await engine.rows<{ column_name: string; column_type: string }>(
        `DESCRIBE SELECT * FROM read_parquet(${lit(join(dir, 'demo', 'lake', 'gold', 'dim_customer', 'data.parquet'))})`,
      );
      const hive = (d: string) =>
        ({ VARCHAR: 'string', BIGINT: 'bigint', INTEGER: 'int', TIMESTAMP: 'timestamp', DOUBLE: 'double' })[
          d
        ] ?? d.toLowerCase();
      expect(declared).toEqual(actual.map((c) => ({ Name: c.column_name, Type: hive(c.column_type) })));
    } finally {
      engine.close();
    }
  });

  it('c360 serve answers the profile API for every current customer by user id and by email, as the warehouse holds them; a posted event shows in seconds', async () => {
    const data = join(dir, 'demo');
    // The warehouse's current customers with their scores, and the lake's user ids and email keys.
    const wh = await openWarehouse(data, { readOnly: true });
    const customers = await wh.rows<{
      customer_id: string;
      segment: string | null;
      orders: string;
      net_usd: string | null;
      churn: number | null;
      clv: string | null;
    }>(
      `SELECT d.customer_id, d.segment, CAST(d.orders AS VARCHAR) AS orders, CAST(d.net_usd AS VARCHAR) AS net_usd,
         s.churn_probability AS churn, CAST(s.clv_12m_usd AS VARCHAR) AS clv
       FROM gold.dim_customer d
       LEFT JOIN (SELECT * FROM gold.customer_scores QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY scored_at DESC) = 1) s
         ON s.customer_id = d.customer_id
       WHERE d.is_current`,
    );
    wh.close();
    const engine = await openDuckDb();
    await registerLakeViews(engine, join(data, 'lake'));
    const userIds = await engine.rows<{ customer_id: string; user_id: string; has_email: boolean }>(
      `SELECT customer_id, min(id_value) FILTER (WHERE id_type = 'user_id') AS user_id,
         bool_or(id_type = 'email_hash') AS has_email
       FROM silver.identity_map WHERE NOT is_hub GROUP BY customer_id`,
    );
    engine.close();
    const byCustomer = new Map(userIds.map((u) => [u.customer_id, u]));
    expect(customers.length).toBeGreaterThan(1000);
    const server = await startServe({
      port: 0,
      dataDir: data,
      geo: false,
      readKeys: { 'rk-e2e': { name: 'e2e', ratePerSecond: 1_000_000, burst: 1_000_000 } },
      mapping: { batchingWindowMs: 50, pollIntervalMs: 50 },
    });
    const lookup = async (id: string) => {
      const r = await fetch(`${server.url}/v1/profiles/${encodeURIComponent(id)}`, {
        headers: { authorization: 'Bearer rk-e2e' },
      });
      return { status: r.status, body: (await r.json()) as ProfileAnswer };
    };
    try {
      let byUser = 0;
      let byEmail = 0;
      const wrong: string[] = [];
      for (const c of customers) {
        const u = byCustomer.get(c.customer_id);
        if (!u?.user_id) continue;
        const ids = [`user_id:${u.user_id}`];
        // The demo's people are CDNOW customers with the email the sample generator gives them.
        if (u.has_email && /^cdnow-\d+$/.test(u.user_id)) ids.push(`email:${emailOf(u.user_id)}`);
        for (const id of ids) {
          const { status, body } = await lookup(id);
          const got = [
            status,
            body.customer_id,
            body.computed?.segment ?? null,
            String(body.computed?.orders),
            body.computed?.net_usd ?? null,
            body.computed?.churn_probability ?? null,
            body.computed?.clv_12m_usd ?? null,
          ];
          const want = [200, c.customer_id, c.segment, c.orders, c.net_usd, c.churn, c.clv];
          if (JSON.stringify(got) !== JSON.stringify(want))
            wrong.push(`${id}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
          if (id.startsWith('email:')) byEmail++;
          else byUser++;
        }
      }
      expect(wrong.slice(0, 5)).toEqual([]);
      // Every current customer with a user id was looked up (the demo's people all have one).
      expect(byUser).toBe(customers.filter((c) => byCustomer.get(c.customer_id)?.user_id).length);
      // …and every one of them whose email the lake holds, by that email.
      const withEmail = customers.filter((c) => {
        const u = byCustomer.get(c.customer_id);
        return u?.has_email && /^cdnow-\d+$/.test(u.user_id ?? '');
      }).length;
      expect(withEmail).toBeGreaterThan(10);
      expect(byEmail).toBe(withEmail);

      // An event posted to the ingest API reaches that profile's answer through the stream path.
      const person = customers.find((c) =>
        byCustomer.get(c.customer_id)?.user_id?.startsWith('cdnow-'),
      ) as (typeof customers)[0];
      const userId = byCustomer.get(person.customer_id)?.user_id as string;
      const messageId = `e2e-live-${Date.now()}`;
      const sentAt = Date.now();
      const posted = await fetch(`${server.url}/v1/track`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from('c360-local-server-key:').toString('base64')}`,
        },
        body: JSON.stringify({
          userId,
          event: 'Profile Viewed Live',
          messageId,
          timestamp: new Date().toISOString(),
        }),
      });
      expect(posted.status).toBe(200);
      let seen: ProfileAnswer | null = null;
      while (!seen) {
        const { body } = await lookup(`user_id:${userId}`);
        if (body.recent_events?.some((e) => e.eventId === messageId)) seen = body;
        else await new Promise((r) => setTimeout(r, 50));
      }
      process.stdout.write(`profile API: event visible ${Date.now() - sentAt} ms after it was posted\n`);
      expect(seen.customer_id).toBe(person.customer_id);
      expect(seen.recent_events?.[0]).toMatchObject({
        eventId: messageId,
        type: 'track',
        event: 'Profile Viewed Live',
        source: 'backend',
      });
    } finally {
      await server.close();
    }
  });

  it('c360 demo --live: traffic through the API moves the Real-Time Purchase Trends page minute by minute, in a browser', async () => {
    // A copy of the demo folder: the live traffic must not change what the later tests measure.
    const data = join(dir, 'demo-live');
    await cp(join(dir, 'demo'), data, { recursive: true });
    const startedMinute = new Date(Math.floor(Date.now() / 60_000) * 60_000)
      .toISOString()
      .replace('T', ' ')
      .slice(0, 16);
    const lines: string[] = [];
    const live = await startLiveDemo({ dataDir: data, port: 0, ratePerSecond: 5, say: (l) => lines.push(l) });
    type Chart = { id: string; rows: { minute: string; orders: number }[] };
    const liveMinutes = () => {
      const html = readFileSync(join(data, 'dashboards', 'realtime.html'), 'utf8');
      const json =
        /<script type="application\/json" id="c360-data">(.*?)<\/script>/s.exec(html)?.[1] ??
        '{"visuals":[]}';
      const chart = (JSON.parse(json) as { visuals: Chart[] }).visuals.find(
        (v) => v.id === 'orders_per_minute',
      );
      return (chart?.rows ?? []).filter((r) => r.minute >= startedMinute && r.orders > 0);
    };
    try {
      // Two minutes of the generator's orders on the page: each minute is merged and rendered 5 s
      // after it ends, so this takes two to three minutes of wall time.
      while (liveMinutes().length < 2) await new Promise((r) => setTimeout(r, 2000));
    } finally {
      await live.stop();
    }
    const sent = live.sent();
    expect(sent.refused).toBe(0);
    expect(sent.orders).toBeGreaterThan(0);
    // The page's orders are the warehouse's, minute by minute (every live order counted once).
    const wh = await openWarehouse(data, { readOnly: true });
    const minutes = await wh.rows<{ minute: string; orders: string }>(
      `SELECT strftime(window_start, '%Y-%m-%d %H:%M') AS minute, CAST(sum(orders) AS VARCHAR) AS orders
       FROM gold.realtime_minute WHERE strftime(window_start, '%Y-%m-%d %H:%M') >= '${startedMinute}' GROUP BY 1 ORDER BY 1`,
    );
    wh.close();
    const shown = liveMinutes();
    for (const m of shown)
      expect([m.minute, String(m.orders)]).toEqual([
        m.minute,
        minutes.find((x) => x.minute === m.minute)?.orders,
      ]);
    // In a browser: the page reloads itself and its orders chart draws the live minutes.
    const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    const browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${join(data, 'dashboards', 'realtime.html')}`);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
      expect(
        await page.$eval('meta[http-equiv="refresh"]', (m) => Number(m.getAttribute('content'))),
      ).toBeGreaterThan(0);
      const points = await page.$eval('#v-orders_per_minute', (el) => {
        type Chart = { getOption(): { xAxis: { data: string[] }[] } };
        const chart = (
          globalThis as unknown as { echarts: { getInstanceByDom(e: unknown): Chart } }
        ).echarts.getInstanceByDom(el);
        return chart?.getOption().xAxis[0]?.data ?? [];
      });
      expect(points.filter((m: string) => m >= startedMinute.slice(0, 16)).length).toBeGreaterThanOrEqual(2);
      await page.screenshot({ path: join(dir, 'screenshots', 'realtime-live.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    expect(lines.some((l) => / orders, \$[\d.]+ in the last minute/.test(l))).toBe(true);
  });

  it('leaves no clear PII in the lake, quarantine, warehouse, scores or state; the vault holds it sealed', async () => {
    const data = join(dir, 'demo');
    // The people the demo sent (its first 80 CDNOW customers) and what it sent about them.
    const ids = [
      ...new Set(
        parseCdnowPurchases(readFileSync(join(__dirname, '../../data/sample/cdnow_sample.txt'), 'utf8')).map(
          (p) => p.customer,
        ),
      ),
    ].slice(0, 80);
    const needles = new Set<string>(IPS.filter((ip) => !ip.endsWith('.0')));
    for (const id of ids) {
      const n = Number(id.split('-')[1]);
      const [first, last] = [FIRST[n % FIRST.length] as string, LAST[n % LAST.length] as string];
      const phone = `+1 415 555 ${String(1000 + (n % 9000))}`;
      for (const v of [
        emailOf(id),
        `${first} ${last}`,
        `"${first}"`,
        `"${last}"`,
        phone,
        phone.replace(/ /g, ''),
        streetOf(n),
        birthdayOf(n),
      ])
        needles.add(v);
    }
    // The raw stream, the landing inbox and the vault are the only places clear PII may be.
    const allowed = /^(?:stream|inbox|vault|lake\/landing)\/|\.key$/;
    let files = 0;
    const leaks: string[] = [];
    for await (const { path, text } of storeTexts(data, (p) => allowed.test(p))) {
      files++;
      for (const v of needles) if (text.includes(v)) leaks.push(`${path}: ${v}`);
    }
    expect(files).toBeGreaterThan(100);
    expect(leaks.slice(0, 10)).toEqual([]);
    // The vault has them, sealed: a customer's name and address are revealed with the folder's key.
    const n = Number((ids[0] as string).split('-')[1]);
    const revealed = await localPrivacy(data).vault.reveal(`user_id:${ids[0]}`);
    expect(revealed.map((v) => v.value)).toEqual(
      expect.arrayContaining([
        emailOf(ids[0] as string),
        FIRST[n % FIRST.length],
        streetOf(n),
        birthdayOf(n),
      ]),
    );
  });

  it('export-person gives one stitched customer everything held about them, from every store erasure covers', async () => {
    const data = join(dir, 'demo');
    const lake = join(data, 'lake');
    // The person the forget test erases next (so it also shows the archive goes with them).
    const { person, keys } = await crmPerson(data);
    const engine = await openDuckDb();
    let facts: { orders: string; sessions: string };
    try {
      await registerLakeViews(engine, lake);
      [facts] = (await engine.rows<typeof facts>(
        `SELECT (SELECT count(*) FROM gold.fact_orders WHERE customer_id = ${lit(person.customer_id)}) AS orders,
           (SELECT count(*) FROM gold.fact_sessions WHERE customer_id = ${lit(person.customer_id)}) AS sessions`,
      )) as [typeof facts];
    } finally {
      engine.close();
    }
    // Where erasure would find them (the forget test's scan): every store holding a mention.
    const values = [person.customer_id, ...keys.map((k) => k.value)];
    const mention = new RegExp(
      `(?:["':,/=]|^)(?:${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?:["',@%&]|$)`,
      'm',
    );
    const held = new Set<string>();
    let bronzeLines = 0;
    // The rendered dashboards are pictures of warehouse rows (the archive has the rows; erasure
    // renders them again rather than editing them). What audience destinations hold is erasure's
    // own record until they confirmed the person's delete (src/runtime/audiences.ts).
    for await (const { path, text } of storeTexts(data, (p) =>
      /^stream\/|^dashboards\/|^state\/audiences\/|\.key$|suppression\.txt$/.test(p),
    )) {
      if (!mention.test(text)) continue;
      // lake/<store>/…, warehouse/…, inbox/…, state/…
      const [top, store] = path.split('/');
      held.add(top === 'lake' ? `lake/${store}` : top === 'warehouse' ? 'warehouse' : `lake/${top}`);
      if (top === 'lake' && store === 'bronze')
        bronzeLines += text.split('\n').filter((l) => mention.test(l)).length;
    }
    expect([...held]).toEqual(
      expect.arrayContaining(['lake/bronze', 'lake/silver', 'lake/gold', 'warehouse']),
    );

    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const file = join(dir, 'person.zip');
    let code: number;
    try {
      code = await exportPerson([
        '--data',
        data,
        '--user-id',
        person.user_id,
        '--out',
        file,
        '--format',
        'json',
      ]);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const files = unzipSync(readFileSync(file));
    const text = (name: string) => strFromU8(files[name] as Uint8Array);
    const manifest = JSON.parse(text('manifest.json'));
    expect(manifest.customerIds).toEqual([person.customer_id]);
    expect(
      JSON.parse(text('identities.json'))
        .map((k: { type: string; value: string }) => `${k.type}:${k.value}`)
        .sort(),
    ).toEqual(keys.map((k) => `${k.type}:${k.value}`).sort());
    // Their clear details from the vault: the demo generated them from the user id.
    const vault = JSON.parse(text('vault.json')) as { kind: string; value: string }[];
    const n = Number(person.user_id.split('-')[1]);
    expect(vault.map((v) => v.value)).toEqual(
      expect.arrayContaining([emailOf(person.user_id), FIRST[n % FIRST.length], LAST[n % LAST.length]]),
    );
    // Every store where erasure would find them has their rows in the archive.
    const areas = new Set(
      Object.keys(files).map((f) =>
        f.startsWith('warehouse/') ? 'warehouse' : f.split('/').slice(0, 2).join('/'),
      ),
    );
    expect([...held].filter((s) => !areas.has(s))).toEqual([]);
    // Row counts as the stores hold them: bronze events, gold orders and sessions.
    const linesUnder = (prefix: string, pick: (l: string) => boolean = () => true) =>
      Object.keys(files)
        .filter((f) => f.startsWith(prefix))
        .reduce(
          (sum, f) =>
            sum +
            text(f)
              .split('\n')
              .filter((l) => l && pick(l)).length,
          0,
        );
    expect(linesUnder('lake/bronze/')).toBe(bronzeLines);
    expect(linesUnder('lake/gold/fact_orders/')).toBe(Number(facts.orders));
    expect(linesUnder('lake/gold/fact_sessions/')).toBe(Number(facts.sessions));
    expect(linesUnder('warehouse/gold.fact_orders/') - 1).toBe(Number(facts.orders));
    expect(manifest.stores['lake/bronze'].rows).toBe(bronzeLines);
    // Nothing of anyone else: every collected lake row mentions them.
    for (const f of Object.keys(files).filter(
      (f) => f.startsWith('lake/') && !f.startsWith('lake/landing/') && !f.startsWith('lake/inbox/'),
    ))
      for (const l of text(f).split('\n').filter(Boolean)) expect([f, mention.test(l)]).toEqual([f, true]);
  });

  it('forgets one stitched customer everywhere: no trace left, totals drop by exactly their share, a re-sent event is dropped', async () => {
    const data = join(dir, 'demo');
    const lake = join(data, 'lake');
    const totals = async () => {
      const engine = await openDuckDb();
      try {
        await registerLakeViews(engine, lake);
        return (
          await engine.rows<{ orders: string; net: string; customers: string }>(
            `SELECT (SELECT count(*) FROM gold.fact_orders WHERE is_revenue) AS orders,
              (SELECT CAST(sum(net_usd) AS VARCHAR) FROM gold.fact_orders WHERE is_revenue) AS net,
              (SELECT count(*) FROM gold.dim_customer) AS customers`,
          )
        )[0];
      } finally {
        engine.close();
      }
    };
    // Someone in the CRM batch file too, so the landing inbox holds a row of theirs.
    const { person, keys } = await crmPerson(data);
    expect(keys.map((k) => k.type)).toEqual(
      expect.arrayContaining(['user_id', 'anonymous_id', 'email_hash']),
    );
    const values = [person.customer_id, ...keys.map((k) => k.value)];
    const mention = new RegExp(
      `(?:["':,/=]|^)(?:${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?:["',@%&]|$)`,
      'm',
    );
    const tracesOf = async () => {
      const found: string[] = [];
      for await (const { path, text } of storeTexts(data, (p) =>
        /^stream\/|\.key$|suppression\.txt$/.test(p),
      ))
        if (mention.test(text)) found.push(path);
      return found;
    };
    // The scan sees them before: bronze, silver, gold, the warehouse and the landing inbox.
    const seen = await tracesOf();
    const layers = ['lake/bronze/', 'lake/silver/', 'lake/gold/', 'warehouse/', 'lake/landing/crm/'];
    expect(layers.filter((l) => !seen.some((p) => p.startsWith(l)))).toEqual([]);
    const before = await totals();
    // A backup taken before the erasure (the lake, the warehouse, the vault): restored below.
    const backup = join(dir, 'backup-before-forget');
    for (const d of ['lake', 'warehouse', 'vault'])
      await cp(join(data, d), join(backup, d), { recursive: true });
    const cents = (s: string) => BigInt(s.replace('.', ''));

    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await forget(['--data', data, '--user-id', person.user_id, '--format', 'json']);
    } finally {
      out.mockRestore();
    }
    expect(code).toBe(0);

    const after = await totals();
    expect(Number(after?.orders)).toBe(Number(before?.orders) - Number(person.orders));
    expect(cents(after?.net as string)).toBe(cents(before?.net as string) - cents(person.net));
    expect(Number(after?.customers)).toBe(Number(before?.customers) - 1);

    // No file anywhere (lake, quarantine, landing, warehouse, scores, state) mentions any of their
    // keys or their customer id as a value; only the raw stream, which ages out, is left alone.
    const traces = await tracesOf();
    expect(traces).toEqual([]);

    // The profile API no longer knows them by any key, nor by their customer id.
    const server = await startServe({
      port: 0,
      dataDir: data,
      enrich: false,
      readKeys: { 'rk-e2e': { name: 'e2e', ratePerSecond: 1000, burst: 1000 } },
    });
    try {
      for (const id of [`customer_id:${person.customer_id}`, ...keys.map((k) => `${k.type}:${k.value}`)]) {
        const r = await fetch(`${server.url}/v1/profiles/${encodeURIComponent(id)}`, {
          headers: { authorization: 'Bearer rk-e2e' },
        });
        expect([id, r.status]).toEqual([id, 404]);
      }
    } finally {
      await server.close();
    }

    // The subject access request's working copies and the archive it handed out are gone too.
    expect(existsSync(join(lake, 'access')) ? readdirSync(join(lake, 'access')) : []).toEqual([]);
    expect(existsSync(join(data, 'exports')) ? readdirSync(join(data, 'exports')) : []).toEqual([]);

    // A re-sent event of theirs is dropped at enrich, and counted. (On a shard of its own: the
    // demo's shard checkpoint already covers the low sequence numbers of a hand-made record.)
    const handler = createLocalEnrichHandler(data, { geo: false });
    const { stats } = await handler.process(
      kinesisEvent([
        segmentEnvelope({
          type: 'track',
          event: 'Product Viewed',
          userId: person.user_id,
          messageId: 'after-forget',
        }),
      ]).Records.map((r) => ({
        ...r,
        eventID: r.eventID.replace('shardId-000000000000', 'shardId-000000000009'),
      })),
    );
    expect(stats).toMatchObject({ events: 1, suppressed: 1, delivered: 0, quarantined: 0 });

    // An unknown customer id is refused with the reason, through the state machine's alert.
    await expect(forget(['--data', data, '--customer-id', 'c_nobody'])).rejects.toThrow(
      /c_nobody is not in the identity map/,
    );

    // The backup restored brings them back; re-applying the erasures (the suppression list is kept
    // outside what a restore rolls back) removes them again before anything is served.
    for (const d of ['lake', 'warehouse', 'vault']) {
      await rm(join(data, d), { recursive: true, force: true });
      await cp(join(backup, d), join(data, d), { recursive: true });
    }
    expect((await tracesOf()).length).toBeGreaterThan(0);
    const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const quietErr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      code = await forget(['--data', data, '--reapply', '--format', 'json']);
    } finally {
      quiet.mockRestore();
      quietErr.mockRestore();
    }
    expect(code).toBe(0);
    expect(await tracesOf()).toEqual([]);
    expect(await totals()).toEqual(after);
    const { vault } = localPrivacy(data);
    for (const k of keys) expect(await vault.reveal(`${k.type}:${k.value}`)).toEqual([]);
  });
});
