import { stringify } from 'csv-stringify/sync';
import { lit } from '../domain/sql';
import type { Engine } from '../etl/duckdb';
import type { Dashboard, QuickSightVisual } from './definitions';

/**
 * Dashboards people explore, served live from the warehouse (`c360 serve`, /explore/…): filters
 * defined once here (a time range with presets, segment, country, source), carried in the URL so
 * a link shares the view; every bar opens the customers behind it (paged, sortable), each of them
 * their Customer 360 page; every visual and every list downloads as CSV with the filters in its
 * name and header. The numbers come from one order-level view, reporting.orders_explore, so a
 * drill-down list adds up to the bar it came from.
 */

/** A time range preset, anchored on a day: the latest day with orders unless asked for today. */
export const RANGE_PRESETS = {
  all: 'All dates',
  today: 'Today',
  last_7: 'Last 7 days',
  last_30: 'Last 30 days',
  last_90: 'Last 90 days',
  this_month: 'This month',
  custom: 'Custom (from, to)',
} as const;
export type RangePreset = keyof typeof RANGE_PRESETS;

/** The categorical filters: a column of reporting.orders_explore each. */
export const CATEGORY_FILTERS = [
  { name: 'segment', label: 'Segment', column: 'segment' },
  { name: 'country', label: 'Country', column: 'country' },
  { name: 'source', label: 'Source', column: 'source' },
] as const;
export type CategoryFilter = (typeof CATEGORY_FILTERS)[number]['name'];

export interface Filters {
  range: RangePreset;
  /** The range's first and last day, inclusive (YYYY-MM-DD); null for all dates. */
  from: string | null;
  to: string | null;
  /** What "today" meant: the latest day with orders, or the calendar day (anchor=today). */
  anchor: 'latest' | 'today';
  segment?: string;
  country?: string;
  source?: string;
}

/** A filter value refused: which field, which rule (answered 400). */
export class FilterError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * The filters of a request. `latest` is the latest day with orders (the anchor of the presets by
 * default: a history that ends before today still answers "last 30 days"), `today` the calendar day.
 */
export function parseFilters(q: URLSearchParams, latest: string | null, today: string): Filters {
  const range = (q.get('range') ?? 'all') as RangePreset;
  if (!(range in RANGE_PRESETS))
    throw new FilterError('range', `one of ${Object.keys(RANGE_PRESETS).join(', ')}, got "${range}"`);
  const anchor = (q.get('anchor') ?? 'latest') as Filters['anchor'];
  if (anchor !== 'latest' && anchor !== 'today')
    throw new FilterError('anchor', `latest or today, got "${anchor}"`);
  const end = anchor === 'today' ? today : (latest ?? today);
  const out: Filters = { range, from: null, to: null, anchor };
  if (range === 'custom') {
    const from = q.get('from') ?? '';
    const to = q.get('to') ?? '';
    for (const [field, v] of [
      ['from', from],
      ['to', to],
    ] as const)
      if (!DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
        throw new FilterError(field, `a date YYYY-MM-DD is needed for a custom range, got "${v}"`);
    if (from > to) throw new FilterError('from', `${from} is after to ${to}`);
    out.from = from;
    out.to = to;
  } else if (range !== 'all') {
    const days = { today: 1, last_7: 7, last_30: 30, last_90: 90 } as Record<string, number>;
    out.to = end;
    out.from = range === 'this_month' ? `${end.slice(0, 8)}01` : addDays(end, 1 - (days[range] as number));
  }
  for (const f of CATEGORY_FILTERS) {
    const v = q.get(f.name);
    if (v === null || v === '') continue;
    if (v.length > 200) throw new FilterError(f.name, 'at most 200 characters');
    out[f.name] = v;
  }
  return out;
}

/**
 * The period before, of the same length and the same other filters (a KPI's comparison): the
 * days just before `from`. None for all dates.
 */
export function previousPeriod(f: Filters): Filters | null {
  if (!f.from || !f.to) return null;
  const days =
    Math.round((Date.parse(`${f.to}T00:00:00Z`) - Date.parse(`${f.from}T00:00:00Z`)) / 86_400_000) + 1;
  return { ...f, range: 'custom', from: addDays(f.from, -days), to: addDays(f.from, -1) };
}

/** The filters as URL parameters (shareable links; the same order every time). */
export function filterQuery(f: Filters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  p.set('range', f.range);
  if (f.range === 'custom') {
    p.set('from', f.from ?? '');
    p.set('to', f.to ?? '');
  }
  if (f.anchor !== 'latest') p.set('anchor', f.anchor);
  for (const c of CATEGORY_FILTERS) if (f[c.name]) p.set(c.name, f[c.name] as string);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

/** The filters in words (CSV headers, page subtitles). */
export function describeFilters(f: Filters): string {
  const parts = [
    f.from ? `${RANGE_PRESETS[f.range]}: ${f.from} to ${f.to} (UTC)` : RANGE_PRESETS.all.toLowerCase(),
  ];
  for (const c of CATEGORY_FILTERS) if (f[c.name]) parts.push(`${c.name} = ${f[c.name]}`);
  return parts.join(', ');
}

/** The filters as a file-name part: `2026-01-01_2026-01-30-segment-champions`. */
export function filterSlug(f: Filters): string {
  const parts = [f.from ? `${f.from}_${f.to}` : 'all-dates'];
  for (const c of CATEGORY_FILTERS)
    if (f[c.name]) parts.push(`${c.name}-${(f[c.name] as string).replace(/[^A-Za-z0-9_.-]+/g, '_')}`);
  return parts.join('-');
}

/** The WHERE clause of the filters over reporting.orders_explore (values as literals). */
export function whereOf(f: Filters): string {
  const c: string[] = [];
  if (f.from) c.push(`order_date BETWEEN DATE ${lit(f.from)} AND DATE ${lit(f.to as string)}`);
  for (const x of CATEGORY_FILTERS) if (f[x.name]) c.push(`${x.column} = ${lit(f[x.name] as string)}`);
  return c.length ? c.join(' AND ') : 'TRUE';
}

export interface ExploreVisual {
  id: string;
  title: string;
  units: string;
  kind: 'kpi' | 'bar' | 'line' | 'table';
  /** The query, `{where}` standing for the filters. */
  sql: string;
  /** Charts: the category column and the value columns (the first is the one a click drills into). */
  x?: string;
  y?: string[];
  /** What a click on a bar opens: the customers whose orders make it, this column equal to the bar's x. */
  drill?: { column: string; measure: 'orders' | 'net_usd' };
  empty: string;
  /** The same visual in QuickSight, over reporting.orders_explore (QuickSight aggregates and filters). */
  qs: QuickSightVisual;
}

export interface ExploreDashboard {
  id: string;
  title: string;
  description: string;
  visuals: ExploreVisual[];
}

const FROM = 'FROM reporting.orders_explore WHERE {where}';

export const EXPLORE_DASHBOARDS: ExploreDashboard[] = [
  {
    id: 'trends',
    title: 'Purchase Trends',
    description:
      'Revenue orders and net revenue, filtered by date range, segment, country and source; click a bar for the customers behind it.',
    visuals: [
      {
        id: 'orders',
        title: 'Revenue orders',
        units: 'orders',
        kind: 'kpi',
        sql: `SELECT count(*) AS value ${FROM}`,
        empty: 'No orders in this range.',
        qs: { view: 'orders_explore', values: [{ column: 'order_id', agg: 'COUNT' }] },
      },
      {
        id: 'net_revenue',
        title: 'Net revenue',
        units: 'USD',
        kind: 'kpi',
        sql: `SELECT CAST(sum(net_usd) AS VARCHAR) AS value ${FROM}`,
        empty: 'No revenue in this range.',
        qs: { view: 'orders_explore', values: [{ column: 'net_usd', agg: 'SUM' }] },
      },
      {
        id: 'buyers',
        title: 'Customers who ordered',
        units: 'customers',
        kind: 'kpi',
        sql: `SELECT count(DISTINCT customer_id) AS value ${FROM}`,
        empty: 'No customers ordered in this range.',
        qs: { view: 'orders_explore', values: [{ column: 'customer_id', agg: 'DISTINCT_COUNT' }] },
      },
      {
        id: 'orders_by_segment',
        title: 'Orders and net revenue by segment',
        units: 'orders / USD',
        kind: 'bar',
        sql: `SELECT segment, count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net_usd ${FROM} GROUP BY segment ORDER BY orders DESC, segment`,
        x: 'segment',
        y: ['orders', 'net_usd'],
        drill: { column: 'segment', measure: 'orders' },
        empty: 'No orders in this range.',
        qs: {
          view: 'orders_explore',
          x: { column: 'segment', kind: 'category' },
          values: [
            { column: 'order_id', agg: 'COUNT' },
            { column: 'net_usd', agg: 'SUM' },
          ],
        },
      },
      {
        id: 'orders_per_day',
        title: 'Revenue orders per day',
        units: 'orders',
        kind: 'bar',
        sql: `SELECT strftime(order_date, '%Y-%m-%d') AS day, count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net_usd ${FROM} GROUP BY 1 ORDER BY 1`,
        x: 'day',
        y: ['orders'],
        drill: { column: 'order_date', measure: 'orders' },
        empty: 'No orders in this range.',
        qs: {
          view: 'orders_explore',
          x: { column: 'order_date', kind: 'date' },
          values: [{ column: 'order_id', agg: 'COUNT' }],
        },
      },
      {
        id: 'orders_by_country',
        title: 'Orders by country',
        units: 'orders',
        kind: 'bar',
        sql: `SELECT country, count(*) AS orders ${FROM} GROUP BY country ORDER BY orders DESC, country LIMIT 20`,
        x: 'country',
        y: ['orders'],
        drill: { column: 'country', measure: 'orders' },
        empty: 'No orders in this range.',
        qs: {
          view: 'orders_explore',
          x: { column: 'country', kind: 'category' },
          values: [{ column: 'order_id', agg: 'COUNT' }],
        },
      },
    ],
  },
];

/** A visual's SQL under the filters. */
export const visualSql = (v: ExploreVisual, f: Filters) => v.sql.replace('{where}', whereOf(f));

export const DRILL_SORTS = {
  orders: 'orders DESC',
  net_usd: 'net_usd DESC',
  customer_id: 'customer_id',
} as const;
export type DrillSort = keyof typeof DRILL_SORTS;
export const DRILL_PAGE = 50;

/** The customers behind one bar: each with their orders and net revenue in it. */
export function drillSql(v: ExploreVisual, f: Filters, x: string, sort: DrillSort, page: number | null) {
  if (!v.drill) throw new FilterError('visual', `${v.id} has no drill-down`);
  if (v.drill.column === 'order_date' && !DAY.test(x))
    throw new FilterError('x', `a day YYYY-MM-DD, got "${x}"`);
  const match =
    v.drill.column === 'order_date' ? `order_date = DATE ${lit(x)}` : `${v.drill.column} = ${lit(x)}`;
  const base = `SELECT coalesce(customer_id, '(guest)') AS customer_id, count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net_usd
    FROM reporting.orders_explore WHERE ${whereOf(f)} AND ${match} GROUP BY 1`;
  const order = `ORDER BY ${DRILL_SORTS[sort]}, customer_id`;
  return {
    rows: `SELECT * FROM (${base}) t ${order}${page === null ? '' : ` LIMIT ${DRILL_PAGE} OFFSET ${(page - 1) * DRILL_PAGE}`}`,
    total: `SELECT count(*) AS customers, coalesce(sum(orders), 0) AS orders FROM (${base}) t`,
  };
}

/** The filter choices: every value each categorical filter can take now. */
export async function filterChoices(wh: Engine): Promise<Record<CategoryFilter, string[]>> {
  const out = {} as Record<CategoryFilter, string[]>;
  for (const f of CATEGORY_FILTERS)
    out[f.name] = (
      await wh.rows<{ v: string }>(
        `SELECT DISTINCT ${f.column} AS v FROM reporting.orders_explore WHERE ${f.column} IS NOT NULL ORDER BY 1`,
      )
    ).map((r) => r.v);
  return out;
}

/** CSV with the filters in its header lines (`# …`), then the rows (csv-stringify, RFC 4180 quoting). */
export function csvOf(title: string, f: Filters, rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  return `# ${title}\n# filters: ${describeFilters(f)}\n${stringify([cols, ...rows.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))))], { record_delimiter: 'unix' })}`;
}

/**
 * The explore dashboards as QuickSight dashboards (scripts/gen-quicksight.ts): the same visuals
 * over reporting.orders_explore, with the same filters as filter controls (a relative date range,
 * last 30 days by default, and a drop-down per category filter), on every visual.
 */
export function exploreForQuickSight(): Dashboard[] {
  return EXPLORE_DASHBOARDS.map((d) => ({
    id: `${d.id}_explore`,
    title: `${d.title} (explore)`,
    description: d.description,
    rangeSql: '',
    cacheTtlSeconds: 0,
    visuals: d.visuals.map((v) => ({
      id: v.id,
      title: v.title,
      units: v.units,
      kind: v.kind,
      sql: v.sql,
      ...(v.x ? { x: v.x, y: v.y } : {}),
      qs: v.qs,
    })),
    filters: {
      view: 'orders_explore',
      date: 'order_date',
      days: 30,
      categories: CATEGORY_FILTERS.map((c) => ({ column: c.column, label: c.label })),
    },
  }));
}
