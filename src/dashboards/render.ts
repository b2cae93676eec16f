import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmfMetrics } from '../adapters/local/telemetry';
import type { RecentEvent } from '../domain/profile';
import type { Engine } from '../etl/duckdb';
import type { DashboardCache } from './cache';
import { DASHBOARDS, type Dashboard, emptyText, type Visual } from './definitions';
import { DASHBOARD_STYLE, esc } from './html';

/**
 * Renders the dashboards (src/dashboards/definitions.ts) as static HTML: each visual's SQL runs on
 * the warehouse (timed: DashboardQueryMs), the rows are embedded in the page as JSON, and ECharts
 * (bundled next to the pages, no network at view time) draws them. KPIs and tables are plain HTML
 * carrying their values in data attributes, so a browser test can compare them with SQL.
 */
export interface RenderedDashboard {
  id: string;
  title: string;
  file: string;
  range: { from: string | null; to: string | null };
  visuals: { id: string; rows: number; ms: number }[];
}

/**
 * DECIMAL and BIGINT arrive as strings: numbers where they are measures. Identifiers (`*_id`,
 * `*_key`) stay strings, as sent: an 18-digit order id must not become a rounded float.
 */
export const numeric = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        typeof v === 'string' && !/(^|_)(id|key)$/.test(k) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v,
      ]),
    ),
  );

const fmt = (v: unknown) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : esc(v ?? '—');

function visualHtml(v: Visual, rows: Record<string, unknown>[], range: string): string {
  const head = `<h2>${esc(v.title)}</h2><p class="meta">${esc(v.units)} · ${esc(range)}</p>`;
  const empty = `<p class="empty" data-empty="${esc(v.id)}">${esc(emptyText(v))}</p>`;
  if (v.kind === 'kpi') {
    const value = rows[0]?.value ?? null;
    return `<section class="card kpi">${head}<div class="value" data-kpi="${esc(v.id)}" data-value="${esc(value)}">${fmt(value)}</div>${value === null ? empty : ''}</section>`;
  }
  // An empty chart or table says why instead of drawing empty axes.
  if (!rows.length)
    return `<section class="card${v.kind === 'table' ? ' wide' : ''}">${head}${empty}</section>`;
  if (v.kind === 'table') {
    const cols = Object.keys(rows[0] ?? {});
    const body = rows.map((r) => `<tr>${cols.map((c) => `<td>${fmt(r[c])}</td>`).join('')}</tr>`).join('');
    return `<section class="card wide">${head}<table data-table="${esc(v.id)}" data-rows="${rows.length}"><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></section>`;
  }
  return `<section class="card">${head}<div class="chart" id="v-${esc(v.id)}" data-chart="${esc(v.id)}" data-points="${rows.length}"></div></section>`;
}

const STYLE = DASHBOARD_STYLE;

/** The browser side: one ECharts instance per chart visual, from the embedded rows. */
const CHART_SCRIPT = `const data = JSON.parse(document.getElementById('c360-data').textContent);
for (const v of data.visuals) {
  const el = document.getElementById('v-' + v.id);
  if (!el) continue;
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  const rows = v.rows, x = v.x, ys = v.y || [];
  let option;
  if (v.kind === 'pie') option = { tooltip: {}, series: [{ type: 'pie', radius: '65%', data: rows.map(r => ({ name: String(r[x]), value: r[ys[0]] })) }] };
  else if (v.kind === 'scatter') option = { tooltip: {}, xAxis: { type: 'value', name: x }, yAxis: { type: 'value', name: ys[0] }, series: [{ type: 'scatter', symbolSize: 4, data: rows.map(r => [r[x], r[ys[0]]]) }] };
  else option = { tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'category', data: rows.map(r => String(r[x])), axisLabel: { interval: rows.length <= 24 ? 0 : 'auto', rotate: rows.length > 6 ? 30 : 0 } }, yAxis: { type: 'value', name: v.units }, series: ys.map(y => ({ name: y, type: v.kind, data: rows.map(r => r[y]), showSymbol: rows.length <= 31 })) };
  option.animation = false;
  chart.setOption(option);
}
document.body.dataset.rendered = 'true';`;

function page(
  d: Dashboard,
  rows: Map<string, Record<string, unknown>[]>,
  range: string,
  generatedAt: string,
): string {
  const data = {
    visuals: d.visuals
      .filter((v) => !['kpi', 'table'].includes(v.kind))
      .map((v) => ({ id: v.id, kind: v.kind, x: v.x, y: v.y, units: v.units, rows: rows.get(v.id) ?? [] })),
  };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${d.refreshSeconds ? `<meta http-equiv="refresh" content="${d.refreshSeconds}">` : ''}<title>${esc(d.title)} · c360</title>
<style>${STYLE}</style><script src="echarts.min.js"></script></head><body>
<header><nav><a href="index.html">All dashboards</a></nav><h1>${esc(d.title)}</h1><p>${esc(d.description)} Data: ${esc(range)}. Generated ${esc(generatedAt)}.</p></header>
<main class="grid">${d.visuals.map((v) => visualHtml(v, rows.get(v.id) ?? [], range)).join('\n')}</main>
<script type="application/json" id="c360-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${CHART_SCRIPT}</script></body></html>\n`;
}

/** The Customer 360 profile page: one customer at a time, found with a search box over all of them. */
const PROFILE_SCRIPT = `const data = JSON.parse(document.getElementById('c360-data').textContent);
const input = document.getElementById('search'), list = document.getElementById('matches'), card = document.getElementById('profile');
const money = (v) => v === null || v === undefined ? '—' : Number(v).toLocaleString('en-US', { style: 'currency', currency: 'USD' });
const cell = (v) => v === null || v === undefined ? '—' : String(v);
function show(c) {
  const orders = data.orders[c.customer_id] || [], tickets = data.tickets[c.customer_id] || [], recs = data.recommendations[c.customer_id] || [];
  const timeline = data.timeline[c.customer_id] || [];
  const consent = data.consent[c.customer_id] || [], consentHistory = data.consentHistory[c.customer_id] || [], audiences = data.audiences[c.customer_id] || [];
  const live = data.live[c.customer_id] || [];
  const yes = (v) => v === true ? 'granted' : v === false ? 'refused' : '—';
  card.dataset.customer = c.customer_id; card.dataset.orders = String(orders.length);
  card.innerHTML = '<h2>' + c.customer_id + '</h2>' +
    '<table class="facts">' + [['segment', c.segment], ['lifecycle stage', c.lifecycle_stage], ['country', c.country], ['first seen (UTC)', c.first_seen_at], ['last seen (UTC)', c.last_seen_at],
      ['identity keys', c.identity_keys], ['sources', c.sources], ['revenue orders', c.orders], ['net revenue', money(c.net_usd)], ['12-month CLV', money(c.clv_12m_usd)],
      ['P(alive)', c.p_alive], ['churn probability', c.churn_probability], ['support tickets', c.tickets], ['avg sentiment', c.avg_sentiment]]
      .map(([k, v]) => '<tr><th>' + k + '</th><td>' + cell(v) + '</td></tr>').join('') + '</table>' +
    '<h3>Orders (' + orders.length + ')</h3><table><tr><th>date</th><th>order</th><th>status</th><th>net</th></tr>' +
      orders.map((o) => '<tr><td>' + o.order_date + '</td><td>' + o.order_id + '</td><td>' + o.status + '</td><td>' + money(o.net_usd) + '</td></tr>').join('') + '</table>' +
    '<h3>Support tickets (' + tickets.length + ')</h3><table><tr><th>created (UTC)</th><th>status</th><th>priority</th><th>CSAT</th></tr>' +
      tickets.map((t) => '<tr><td>' + cell(t.created_at) + '</td><td>' + cell(t.status) + '</td><td>' + cell(t.priority) + '</td><td>' + cell(t.csat_score) + '</td></tr>').join('') + '</table>' +
    '<h3>Timeline across sources (latest ' + timeline.length + ')</h3><table id="timeline"><tr><th>when (UTC)</th><th>what</th><th>source</th><th>detail</th></tr>' +
      timeline.map((t) => '<tr><td>' + cell(t.happened_at) + '</td><td>' + cell(t.what) + '</td><td>' + cell(t.source) + '</td><td>' + cell(t.detail) + '</td></tr>').join('') + '</table>' +
    '<h3>Recommended products (' + recs.length + ')</h3><table id="recommendations"><tr><th>#</th><th>product</th><th>why</th><th>score</th></tr>' +
      recs.map((r) => '<tr><td>' + r.rec_rank + '</td><td>' + r.product_id + '</td><td>' + (r.reason === 'similar' ? 'bought together with their purchases' : 'popular') + '</td><td>' + cell(r.score) + '</td></tr>').join('') + '</table>' +
    '<h3>Consent (' + consent.length + ' purposes stated; none stated is no consent)</h3><table id="consent"><tr><th>purpose</th><th>now</th><th>since (UTC)</th><th>source</th></tr>' +
      consent.map((k) => '<tr><td>' + k.purpose + '</td><td>' + yes(k.granted) + '</td><td>' + cell(k.stated_at) + '</td><td>' + cell(k.source) + '</td></tr>').join('') + '</table>' +
    '<h3>Consent history (' + consentHistory.length + ' changes)</h3><table id="consent-history"><tr><th>when (UTC)</th><th>purpose</th><th>change</th><th>source</th></tr>' +
      consentHistory.map((k) => '<tr><td>' + cell(k.changed_at) + '</td><td>' + k.purpose + '</td><td>' + yes(k.previously) + ' → ' + yes(k.granted) + '</td><td>' + cell(k.source) + '</td></tr>').join('') + '</table>' +
    '<h3>Audiences (' + audiences.length + ')</h3><table id="audiences"><tr><th>audience</th><th>needs consent to</th><th>member since (run date)</th></tr>' +
      audiences.map((a) => '<tr><td>' + a.audience + '</td><td>' + a.purpose + '</td><td>' + cell(a.entered_on) + '</td></tr>').join('') + '</table>' +
    '<h3>Live: latest events from the stream (' + live.length + '; in the profile store within seconds, before the daily run)</h3><table id="live-timeline"><tr><th>when (UTC)</th><th>type</th><th>event</th><th>source</th></tr>' +
      live.map((e) => '<tr><td>' + cell(e.at) + '</td><td>' + cell(e.type) + '</td><td>' + cell(e.event) + '</td><td>' + cell(e.source) + '</td></tr>').join('') + '</table>';
}
function search() {
  const q = input.value.trim().toLowerCase();
  const hits = data.customers.filter((c) => !q || c.customer_id.toLowerCase().includes(q)).slice(0, 20);
  list.innerHTML = hits.map((c, i) => '<li><a href="#" data-i="' + data.customers.indexOf(c) + '">' + c.customer_id + '</a> ' + (c.segment || '') + ', ' + money(c.net_usd) + '</li>').join('');
  if (hits[0]) show(hits[0]);
}
list.addEventListener('click', (e) => { const i = e.target.dataset && e.target.dataset.i; if (i !== undefined) { e.preventDefault(); show(data.customers[Number(i)]); } });
input.addEventListener('input', search);
// A link to one customer (customer.html?id=…, the served dashboards' drill-down) opens them.
const wanted = new URLSearchParams(location.search).get('id');
if (wanted) input.value = wanted;
search();
const exact = wanted && data.customers.find((c) => c.customer_id === wanted);
if (exact) show(exact);
document.body.dataset.rendered = 'true';`;

/** Each customer's latest stream events (the profile store's live half), by customer id. */
export type LiveTimelines = (customerIds: readonly string[]) => Promise<Map<string, RecentEvent[]>>;

export async function profilePage(wh: Engine, generatedAt: string, live?: LiveTimelines): Promise<string> {
  const customers = numeric(
    await wh.rows(`SELECT d.customer_id, d.segment, d.lifecycle_stage, d.country,
        strftime(d.first_seen_at, '%Y-%m-%d %H:%M') AS first_seen_at, strftime(d.last_seen_at, '%Y-%m-%d %H:%M') AS last_seen_at,
        d.identity_keys, d.sources, d.orders, d.net_usd, d.tickets, round(d.avg_sentiment, 2) AS avg_sentiment,
        v.clv_12m_usd, round(v.p_alive, 3) AS p_alive, round(v.churn_probability, 3) AS churn_probability
      FROM gold.dim_customer d LEFT JOIN reporting.customer_lifetime_value v ON v.customer_id = d.customer_id
      WHERE d.is_current ORDER BY d.net_usd DESC NULLS LAST, d.customer_id`),
  );
  const group = (rows: Record<string, unknown>[]) => {
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const r of rows) {
      const id = String(r.customer_id);
      const list = out[id] ?? [];
      list.push(r);
      out[id] = list;
    }
    return out;
  };
  const orders = group(
    numeric(
      await wh.rows(`SELECT customer_id, strftime(order_date, '%Y-%m-%d') AS order_date, order_id, status, net_usd
        FROM gold.fact_orders WHERE customer_id IS NOT NULL ORDER BY customer_id, order_date DESC, order_id`),
    ),
  );
  const tickets = group(
    numeric(
      await wh.rows(`SELECT customer_id, strftime(created_at, '%Y-%m-%d %H:%M') AS created_at, status, priority, csat_score
        FROM gold.fact_support_tickets WHERE customer_id IS NOT NULL ORDER BY customer_id, created_at DESC`),
    ),
  );
  // One timeline across the sources: web/mobile sessions, orders, support tickets and ad
  // attributions, the latest 50 per customer.
  const timeline = group(
    numeric(
      await wh.rows(`SELECT customer_id, strftime(happened_at, '%Y-%m-%d %H:%M') AS happened_at, what, source, detail FROM (
          SELECT customer_id, happened_at, what, source, detail,
            row_number() OVER (PARTITION BY customer_id ORDER BY happened_at DESC, what, detail) AS n
          FROM (
            SELECT customer_id, started_at AS happened_at, 'session' AS what, source,
              concat(CAST(events AS VARCHAR), ' events, ', coalesce(device_type, 'unknown device')) AS detail
            FROM gold.fact_sessions WHERE customer_id IS NOT NULL
            UNION ALL SELECT customer_id, ordered_at, 'order', provider,
              concat(order_id, ' ', status, ' $', CAST(net_usd AS VARCHAR))
            FROM gold.fact_orders WHERE customer_id IS NOT NULL
            UNION ALL SELECT customer_id, created_at, 'ticket', 'support',
              concat(coalesce(status, ''), ' ', coalesce(priority, ''))
            FROM gold.fact_support_tickets WHERE customer_id IS NOT NULL
            UNION ALL SELECT customer_id, attributed_at, 'ad', network,
              concat(coalesce(action, ''), ' ', coalesce(media_source, ''), ' ', coalesce(campaign, ''))
            FROM gold.fact_ad_attribution WHERE customer_id IS NOT NULL
          ) u WHERE happened_at IS NOT NULL
        ) t WHERE n <= 50 ORDER BY customer_id, n`),
    ),
  );
  // The latest scoring's top 5 per customer.
  const recommendations = group(
    numeric(
      await wh.rows(`SELECT r.customer_id, r.rec_rank, r.product_id, round(r.score, 3) AS score, r.reason
        FROM gold.customer_recommendations r
        JOIN (SELECT customer_id, max(scored_at) AS scored_at FROM gold.customer_recommendations GROUP BY 1) m
          ON m.customer_id = r.customer_id AND m.scored_at = r.scored_at
        ORDER BY r.customer_id, r.rec_rank`),
    ),
  );
  // Consent now and its history, and the audiences (which hold only consented customers).
  const consent = group(
    await wh.rows(`SELECT customer_id, purpose, granted, strftime(stated_at, '%Y-%m-%d %H:%M') AS stated_at, source
      FROM gold.customer_consent ORDER BY customer_id, purpose`),
  );
  const consentHistory = group(
    await wh.rows(`SELECT customer_id, purpose, granted, previously, strftime(changed_at, '%Y-%m-%d %H:%M') AS changed_at, source
      FROM gold.consent_history ORDER BY customer_id, changed_at DESC, purpose`),
  );
  const audiences = group(
    await wh.rows(
      `SELECT customer_id, audience, purpose, strftime(entered_on, '%Y-%m-%d') AS entered_on FROM gold.audience_members ORDER BY customer_id, audience`,
    ),
  );
  const data = JSON.stringify({
    customers,
    orders,
    tickets,
    recommendations,
    timeline,
    consent,
    consentHistory,
    audiences,
    live: Object.fromEntries(live ? await live(customers.map((c) => String(c.customer_id))) : []),
  }).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Customer 360 profile · c360</title><style>${STYLE}
#search{font-size:16px;padding:6px;width:320px}#matches{columns:2;font-size:13px}.facts th{width:180px}</style></head><body>
<header><nav><a href="index.html">All dashboards</a></nav><h1>Customer 360 profile</h1>
<p>One customer across every source: stitched identities, a timeline of sessions, orders, tickets and ad touches, the latest model scores, recommended products, consent and audiences (pseudonymous ids; clear values stay in the PII vault). Generated ${esc(generatedAt)}.</p></header>
<main class="grid"><section class="card"><h2>Find a customer</h2><p class="meta">${customers.length} customers · search by customer id</p>
<input id="search" type="search" placeholder="customer id, e.g. c_…" autocomplete="off"><ul id="matches"></ul></section>
<section class="card wide" id="profile"></section></main>
<script type="application/json" id="c360-data">${data}</script><script>${PROFILE_SCRIPT}</script></body></html>\n`;
}

export async function renderDashboards(opts: {
  warehouse: Engine;
  outDir: string;
  metricsFile?: string;
  now?: Date;
  dashboards?: Dashboard[];
  /** Query results cached by query, per dashboard TTL, cleared by a warehouse load. */
  cache?: DashboardCache;
  /** The live timeline of the Customer 360 page (the profile store, when there is one). */
  live?: LiveTimelines;
}): Promise<RenderedDashboard[]> {
  const now = (opts.now ?? new Date()).toISOString().replace('T', ' ').slice(0, 16);
  await mkdir(opts.outDir, { recursive: true });
  await copyFile(require.resolve('echarts/dist/echarts.min.js'), join(opts.outDir, 'echarts.min.js'));
  const metrics = new EmfMetrics('c360', 'c360-dashboard', opts.metricsFile);
  const out: RenderedDashboard[] = [];
  await opts.cache?.open(opts.warehouse);
  for (const d of opts.dashboards ?? DASHBOARDS) {
    const query = <T extends Record<string, unknown>>(sql: string) =>
      opts.cache
        ? opts.cache.rows<T>(opts.warehouse, sql, d.cacheTtlSeconds * 1000)
        : opts.warehouse.rows<T>(sql);
    const [r] = await query<{ from: string | null; to: string | null }>(d.rangeSql);
    const range = r?.from ? `${r.from} to ${r.to} (UTC)` : 'no data yet';
    const rows = new Map<string, Record<string, unknown>[]>();
    const visuals: RenderedDashboard['visuals'] = [];
    for (const v of d.visuals) {
      const t0 = performance.now();
      const result = numeric(await query<Record<string, unknown>>(v.sql));
      const ms = performance.now() - t0;
      rows.set(v.id, result);
      visuals.push({ id: v.id, rows: result.length, ms: Math.round(ms * 10) / 10 });
      metrics.addMetric('DashboardQueryMs', 'Milliseconds', ms);
    }
    const file = join(opts.outDir, `${d.id}.html`);
    await writeFile(file, page(d, rows, range, now));
    out.push({
      id: d.id,
      title: d.title,
      file,
      range: { from: r?.from ?? null, to: r?.to ?? null },
      visuals,
    });
  }
  metrics.publishStoredMetrics();
  opts.cache?.save();
  await writeFile(join(opts.outDir, 'customer.html'), await profilePage(opts.warehouse, now, opts.live));
  await writeFile(
    join(opts.outDir, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>c360 dashboards</title><style>${STYLE}</style></head><body>
<header><h1>c360 dashboards</h1><p>Generated ${esc(now)} UTC from the warehouse's reporting views.</p></header><main class="grid">
<section class="card"><h2><a href="customer.html">Customer 360 profile</a></h2><p class="meta">One customer: identities, orders, tickets, scores; a search box over all customers.</p></section>
${out.map((d) => `<section class="card"><h2><a href="${esc(d.id)}.html">${esc(d.title)}</a></h2><p class="meta">${esc((opts.dashboards ?? DASHBOARDS).find((x) => x.id === d.id)?.description)}</p><p class="meta">${esc(d.range.from ? `${d.range.from} to ${d.range.to}` : 'no data yet')}</p></section>`).join('\n')}
</main></body></html>\n`,
  );
  return out;
}
