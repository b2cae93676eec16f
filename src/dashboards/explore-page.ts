import {
  DRILL_PAGE,
  describeFilters,
  drillOf,
  type ExploreDashboard,
  type ExploreVisual,
  type Filters,
  filterQuery,
  isFiltered,
  RANGE_PRESETS,
  setOf,
} from './explore';
import { DASHBOARD_STYLE, esc } from './html';

/** The shared look, with the served page's own: smaller KPI cards, taller charts, the filter form. */
const STYLE = `${DASHBOARD_STYLE}
.kpi{flex:1 1 200px}.kpi .value{font-size:32px}.chart{height:340px}
form#filters{display:flex;flex-wrap:wrap;gap:12px;align-items:end;background:#fff;padding:12px;border-radius:8px;margin-bottom:16px}
form#filters label{display:flex;flex-direction:column;font-size:12px;color:#5b6577}`;

const fmt = (v: unknown) => {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 2 }) : esc(v);
};

/** "(+12.5 %)" from the previous value to the current one; nothing when either is missing or zero. */
function change(now: unknown, before: unknown): string {
  const a = Number(now);
  const b = Number(before);
  if (now === null || before === null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '';
  const pct = ((a - b) / b) * 100;
  return ` (${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %)`;
}

/** The filter form: a GET form, so the URL carries the view (a shareable link). */
function filterForm(
  d: ExploreDashboard,
  f: Filters,
  choices: Record<string, string[]>,
  anchorDay: string | null,
): string {
  const set = setOf(d);
  if (!set.date && !set.categories.length)
    return `<p class="meta" id="filters">Not filtered: ${esc(d.id === 'realtime' ? 'the last hour of data' : 'all data')}.</p>`;
  const option = (value: string, label: string, selected: boolean) =>
    `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;
  const range = Object.entries(RANGE_PRESETS)
    .map(([k, label]) => option(k, label, f.range === k))
    .join('');
  const cats = set.categories
    .map(
      (c) =>
        `<label>${esc(c.label)}<select name="${c.name}" id="f-${c.name}">${option('', c.all, !f.values[c.name])}${(choices[c.name] ?? []).map((v) => option(v, v, f.values[c.name] === v)).join('')}</select></label>`,
    )
    .join('');
  const dates = set.date
    ? `<label>Time range (${esc(set.date.label)})<select name="range" id="f-range">${range}</select></label>
<label>From<input type="date" name="from" id="f-from" value="${esc(f.range === 'custom' ? (f.from ?? '') : '')}"></label>
<label>To<input type="date" name="to" id="f-to" value="${esc(f.range === 'custom' ? (f.to ?? '') : '')}"></label>`
    : '';
  return `<form id="filters" method="get">
${dates}
${cats}
<button type="submit" id="f-apply">Apply</button>
${set.date ? `<span class="meta">Presets end on ${esc(anchorDay ?? 'today')}${f.anchor === 'latest' ? ` (the latest ${esc(set.date.label)})` : ''}.</span>` : ''}
</form>
<script>for (const el of document.querySelectorAll('#filters select')) el.addEventListener('change', () => { if (el.id !== 'f-range' || el.value !== 'custom') el.form.submit(); });</script>`;
}

/** A table visual: a customer id opens their 360 page. */
function tableOf(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const cell = (c: string, v: unknown) =>
    c === 'customer_id' && v !== null
      ? `<a href="/explore/customer?id=${encodeURIComponent(String(v))}">${esc(v)}</a>`
      : fmt(v);
  return `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${cell(c, r[c])}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function visualCard(
  d: ExploreDashboard,
  v: ExploreVisual,
  f: Filters,
  rows: Record<string, unknown>[],
  previous?: { filters: Filters; value: unknown },
): string {
  const csv = `/explore/${d.id}/${v.id}.csv?${esc(filterQuery(f))}`;
  const scope = isFiltered(v) ? describeFilters(f) : 'not filtered';
  const head = `<h2>${esc(v.title)}</h2><p class="meta">${esc(v.units)} · ${esc(scope)} · <a class="csv" data-csv="${esc(v.id)}" href="${csv}" download>CSV</a></p>`;
  const empty = `<p class="empty" data-empty="${esc(v.id)}">${esc(v.empty)}</p>`;
  if (v.kind === 'kpi') {
    const value = rows[0]?.value ?? null;
    // Against the period before, of the same length.
    const before = previous
      ? `<p class="meta delta" data-previous="${esc(v.id)}" data-value="${esc(previous.value ?? '')}">previous period ${esc(previous.filters.from)} to ${esc(previous.filters.to)}: ${fmt(previous.value)}${change(value, previous.value)}</p>`
      : '';
    return `<section class="card kpi">${head}<div class="value" data-kpi="${esc(v.id)}" data-value="${esc(value ?? '')}">${fmt(value)}</div>${before}${value === null ? empty : ''}</section>`;
  }
  if (!rows.length) return `<section class="card">${head}${empty}</section>`;
  if (v.kind === 'table') return `<section class="card wide">${head}${tableOf(rows)}</section>`;
  // Under the chart: each bar's customers as a link (the same place a click on the bar goes).
  const links = v.drill
    ? `<details><summary>Customers behind each bar</summary><ul>${rows
        .map(
          (r) =>
            `<li><a data-drill="${esc(v.id)}" href="/explore/${d.id}/${v.id}/customers?${esc(filterQuery(f, { x: String(r[v.x as string]) }))}">${esc(r[v.x as string])}</a>: ${fmt(r[(v.y as string[])[0] as string])}</li>`,
        )
        .join('')}</ul></details>`
    : '';
  return `<section class="card${rows.length > 12 ? ' wide' : ''}">${head}<div class="chart" id="v-${esc(v.id)}" data-chart="${esc(v.id)}" data-points="${rows.length}"></div>${links}</section>`;
}

/** The browser side: ECharts per chart, a click on a bar opens its customers. */
const SCRIPT = `const data = JSON.parse(document.getElementById('c360-data').textContent);
window.c360Charts = {};
for (const v of data.visuals) {
  const el = document.getElementById('v-' + v.id);
  if (!el) continue;
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  const rows = v.rows, x = v.x, ys = v.y;
  const long = rows.some(r => String(r[x]).length > 8);
  chart.setOption({ animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0 },
    grid: { containLabel: true, top: 48, bottom: 8, left: 24, right: 16 },
    xAxis: { type: 'category', data: rows.map(r => String(r[x])),
      axisLabel: { interval: rows.length <= 24 ? 0 : 'auto', rotate: rows.length > 6 || (long && rows.length > 3) ? 30 : 0 } },
    yAxis: ys.map((y, i) => ({ type: 'value', name: /_usd$/.test(y) ? y.replace(/_usd$/, '') + ' (USD)' : y, position: i ? 'right' : 'left' })),
    series: ys.map((y, i) => ({ name: y, type: v.kind, yAxisIndex: i, data: rows.map(r => Number(r[y])) })) });
  if (v.drill) chart.on('click', (p) => { location.href = v.drill + '&x=' + encodeURIComponent(p.name); });
  window.c360Charts[v.id] = chart;
}
document.body.dataset.rendered = 'true';`;

export function explorePage(opts: {
  dashboard: ExploreDashboard;
  filters: Filters;
  rows: Map<string, Record<string, unknown>[]>;
  choices: Record<string, string[]>;
  anchorDay: string | null;
  /** Each KPI's value over the period before (when the range has one). */
  previous?: { filters: Filters; values: Map<string, unknown> };
}): string {
  const { dashboard: d, filters: f, rows } = opts;
  const data = {
    visuals: d.visuals
      .filter((v) => v.kind !== 'kpi' && v.kind !== 'table')
      .map((v) => ({
        id: v.id,
        kind: v.kind,
        x: v.x,
        y: v.y,
        rows: rows.get(v.id) ?? [],
        drill: v.drill ? `/explore/${d.id}/${v.id}/customers?${filterQuery(f)}` : null,
      })),
  };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)} · c360</title>
${d.refreshSeconds ? `<meta http-equiv="refresh" content="${d.refreshSeconds}">` : ''}<style>${STYLE}</style><script src="/explore/echarts.min.js"></script></head><body${d.refreshSeconds ? ` data-refresh="${d.refreshSeconds}"` : ''}>
<header><nav><a href="/explore/">All dashboards</a><a href="/explore/customer">Customer 360</a></nav><h1>${esc(d.title)}</h1><p>${esc(d.description)}</p></header>
${filterForm(d, f, opts.choices, opts.anchorDay)}
<main class="grid">${d.visuals.map((v) => visualCard(d, v, f, rows.get(v.id) ?? [], opts.previous && v.kind === 'kpi' ? { filters: opts.previous.filters, value: opts.previous.values.get(v.id) ?? null } : undefined)).join('\n')}</main>
<script type="application/json" id="c360-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${SCRIPT}</script></body></html>\n`;
}

const HEADINGS: Record<string, string> = {
  customer_id: 'customer',
  net_usd: 'net revenue (USD)',
  clv_12m_usd: '12-month CLV (USD)',
  p_alive: 'P(alive)',
};

export function drillPage(opts: {
  dashboard: ExploreDashboard;
  visual: ExploreVisual;
  filters: Filters;
  x: string;
  sort: string;
  page: number;
  rows: Record<string, unknown>[];
  /** How many customers, and the bar's measure over all of them (orders, or customers). */
  total: { customers: number; value: number };
}): string {
  const { dashboard: d, visual: v, filters: f, x, sort, page, rows, total } = opts;
  const drill = drillOf(d) as NonNullable<ReturnType<typeof drillOf>>;
  const base = `/explore/${d.id}/${v.id}/customers`;
  const q = (extra: Record<string, string>) => esc(filterQuery(f, { x, sort, ...extra }));
  const pages = Math.max(1, Math.ceil(total.customers / DRILL_PAGE));
  const sortLinks = drill.sorts
    .map((s) => (s === sort ? `<b>${s}</b>` : `<a href="${base}?${q({ sort: s, page: '1' })}">${s}</a>`))
    .join(' · ');
  const cols = Object.keys(rows[0] ?? {});
  const body = rows
    .map(
      (r) =>
        `<tr>${cols
          .map((c) =>
            c !== 'customer_id'
              ? `<td>${fmt(r[c])}</td>`
              : r[c] === '(guest)'
                ? '<td>(guest orders)</td>'
                : `<td><a href="/explore/customer?id=${encodeURIComponent(String(r[c]))}">${esc(r[c])}</a></td>`,
          )
          .join('')}</tr>`,
    )
    .join('');
  const counted = drill.measure === 'customers' ? '' : `, ${fmt(total.value)} ${esc(drill.measure)}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Customers behind ${esc(x)} · c360</title><style>${STYLE}</style></head><body>
<header><nav><a href="/explore/${d.id}?${esc(filterQuery(f))}">Back to ${esc(d.title)}</a></nav>
<h1>Customers behind ${esc(v.title.toLowerCase())}: ${esc(x)}</h1>
<p id="drill-summary" data-customers="${total.customers}" data-measure="${esc(drill.measure)}" data-value="${total.value}">${fmt(total.customers)} customers${counted} · ${esc(describeFilters(f))} · <a class="csv" href="${base}.csv?${q({})}" download>CSV (all ${fmt(total.customers)})</a></p></header>
<main class="grid"><section class="card wide"><p class="meta">Sort: ${sortLinks} · page ${page} of ${pages}${page > 1 ? ` · <a id="prev" href="${base}?${q({ page: String(page - 1) })}">previous</a>` : ''}${page < pages ? ` · <a id="next" href="${base}?${q({ page: String(page + 1) })}">next</a>` : ''}</p>
${rows.length ? `<table id="customers"><thead><tr>${cols.map((c) => `<th>${esc(HEADINGS[c] ?? c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>` : `<p class="empty">No customers behind this bar under these filters.</p>`}</section></main></body></html>\n`;
}

export function exploreIndex(dashboards: readonly ExploreDashboard[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>c360 dashboards</title><style>${STYLE}</style></head><body>
<header><h1>c360 dashboards (live)</h1><p>Served from the warehouse with live queries; filters in the URL.</p></header><main class="grid">
<section class="card"><h2><a href="/explore/customer">Customer 360 profile</a></h2></section>
${dashboards.map((d) => `<section class="card"><h2><a href="/explore/${d.id}">${esc(d.title)}</a></h2><p class="meta">${esc(d.description)}</p></section>`).join('\n')}
</main></body></html>\n`;
}
