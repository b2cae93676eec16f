import { stringify } from 'csv-stringify/sync';
import { fileNamePart } from '../domain/partition';
import { lit } from '../domain/sql';
import type { Engine } from '../etl/duckdb';
import { DASHBOARDS, type Dashboard, emptyText, type QuickSightVisual } from './definitions';

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

/** A categorical filter: a column of the dashboard's view, a drop-down of its values. */
export interface CategoryDef {
  /** The URL parameter. */
  name: string;
  label: string;
  column: string;
  /** The drop-down's "everything" entry ("All segments"). */
  all: string;
}

/**
 * What a dashboard filters: one reporting view, its date column (the time range) and its
 * categorical columns. Every visual whose SQL holds `{where}` reads that view under the filters.
 */
export interface FilterSet {
  view: string;
  date?: { column: string; label: string };
  categories: readonly CategoryDef[];
}

const cat = (name: string, label: string, all: string, column = name): CategoryDef => ({
  name,
  label,
  column,
  all,
});
const SEGMENT = cat('segment', 'Segment', 'All segments');
const COUNTRY = cat('country', 'Country', 'All countries');

/** The filters of each kind of view the served dashboards read. */
export const FILTER_SETS = {
  orders: {
    view: 'orders_explore',
    date: { column: 'order_date', label: 'order date' },
    categories: [SEGMENT, COUNTRY, cat('source', 'Source', 'All sources')],
  },
  customers: {
    view: 'customer_lifetime_value',
    date: { column: 'first_order_date', label: 'first order date' },
    categories: [SEGMENT, COUNTRY, cat('clv_band', '12-month CLV band', 'All bands')],
  },
  audiences: {
    view: 'audience_history',
    date: { column: 'as_of', label: 'run date' },
    categories: [
      cat('audience', 'Audience', 'All audiences'),
      cat('purpose', 'Consent purpose', 'All purposes'),
    ],
  },
  models: {
    view: 'model_health',
    date: { column: 'run_date', label: 'scoring day' },
    categories: [cat('check', 'Check', 'All checks', 'check_name')],
  },
  quarantine: {
    view: 'quarantine_daily',
    date: { column: 'dt', label: 'quarantine day' },
    categories: [cat('reason', 'Reason', 'All reasons'), cat('source', 'Source', 'All sources')],
  },
  realtime: { view: 'realtime_trends', categories: [] },
} satisfies Record<string, FilterSet>;

export interface Filters {
  range: RangePreset;
  /** The range's first and last day, inclusive (YYYY-MM-DD); null for all dates. */
  from: string | null;
  to: string | null;
  /** What "today" meant: the latest day with data, or the calendar day (anchor=today). */
  anchor: 'latest' | 'today';
  /** The categorical filters set, by name, in the filter set's order. */
  values: Record<string, string>;
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
 * The filters of a request. `latest` is the latest day with data (the anchor of the presets by
 * default: a history that ends before today still answers "last 30 days"), `today` the calendar day.
 */
export function parseFilters(
  q: URLSearchParams,
  set: FilterSet,
  latest: string | null,
  today: string,
): Filters {
  const range = (q.get('range') ?? 'all') as RangePreset;
  if (!(range in RANGE_PRESETS))
    throw new FilterError('range', `one of ${Object.keys(RANGE_PRESETS).join(', ')}, got "${range}"`);
  if (range !== 'all' && !set.date)
    throw new FilterError('range', `reporting.${set.view} has no dates to filter: only all`);
  const anchor = (q.get('anchor') ?? 'latest') as Filters['anchor'];
  if (anchor !== 'latest' && anchor !== 'today')
    throw new FilterError('anchor', `latest or today, got "${anchor}"`);
  const end = anchor === 'today' ? today : (latest ?? today);
  const out: Filters = { range, from: null, to: null, anchor, values: {} };
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
  for (const f of set.categories) {
    const v = q.get(f.name);
    if (v === null || v === '') continue;
    if (v.length > 200) throw new FilterError(f.name, 'at most 200 characters');
    out.values[f.name] = v;
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
  for (const [k, v] of Object.entries(f.values)) p.set(k, v);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

/** The filters in words (CSV headers, page subtitles). */
export function describeFilters(f: Filters): string {
  const parts = [
    f.from ? `${RANGE_PRESETS[f.range]}: ${f.from} to ${f.to} (UTC)` : RANGE_PRESETS.all.toLowerCase(),
  ];
  for (const [k, v] of Object.entries(f.values)) parts.push(`${k} = ${v}`);
  return parts.join(', ');
}

/** The filters as a file-name part: `2026-01-01_2026-01-30-segment-champions`. */
export function filterSlug(f: Filters): string {
  const parts = [f.from ? `${f.from}_${f.to}` : 'all-dates'];
  for (const [k, v] of Object.entries(f.values)) parts.push(`${k}-${fileNamePart(v)}`);
  return parts.join('-');
}

/** The WHERE clause of the filters over the set's view (values as literals). */
export function whereOf(f: Filters, set: FilterSet): string {
  const c: string[] = [];
  if (f.from && set.date)
    c.push(`${set.date.column} BETWEEN DATE ${lit(f.from)} AND DATE ${lit(f.to as string)}`);
  for (const x of set.categories)
    if (f.values[x.name] !== undefined) c.push(`${x.column} = ${lit(f.values[x.name] as string)}`);
  return c.length ? c.join(' AND ') : 'TRUE';
}

export interface ExploreVisual {
  id: string;
  title: string;
  units: string;
  kind: 'kpi' | 'bar' | 'line' | 'table';
  /** The query; `{where}` stands for the filters (a visual without it is not filtered). */
  sql: string;
  /** Charts: the category column and the value columns (the first is the one a click drills into). */
  x?: string;
  y?: string[];
  /**
   * What a click on a bar opens: the customers behind it, this column equal to the bar's x (and
   * `where`, the visual's own condition, if any): the list's measure adds up to the bar's first value.
   */
  drill?: { column: string; where?: string };
  empty: string;
  /** The same visual in QuickSight, over the filter set's view (QuickSight aggregates and filters). */
  qs?: QuickSightVisual;
}

export interface ExploreDashboard {
  id: string;
  title: string;
  description: string;
  /** What the dashboard filters (FILTER_SETS). */
  set: keyof typeof FILTER_SETS;
  /** The page reloads itself this often (the real-time page). */
  refreshSeconds?: number;
  visuals: ExploreVisual[];
}

/** Whether a visual follows the filters (its SQL holds `{where}`). */
export const isFiltered = (v: ExploreVisual) => v.sql.includes('{where}');

/** A static dashboard's visual served as it is (not filtered): the real-time tier, the load table. */
function asServed(dashboard: string, id: string): ExploreVisual {
  const v = DASHBOARDS.find((d) => d.id === dashboard)?.visuals.find((x) => x.id === id);
  if (!v) throw new Error(`no visual ${dashboard}/${id} in definitions.ts`);
  const kind = v.kind === 'pie' || v.kind === 'scatter' ? 'bar' : v.kind;
  return { id: v.id, title: v.title, units: v.units, kind, sql: v.sql, x: v.x, y: v.y, empty: emptyText(v) };
}

const kpi = (
  id: string,
  title: string,
  units: string,
  sql: string,
  empty: string,
  qs?: QuickSightVisual,
): ExploreVisual => ({ id, title, units, kind: 'kpi', sql, empty, ...(qs ? { qs } : {}) });

const ORDERS = 'FROM reporting.orders_explore WHERE {where}';
const CUSTOMERS = 'FROM reporting.customer_lifetime_value WHERE {where}';
const AUDIENCES = 'FROM reporting.audience_history WHERE {where}';
const CHECKS = 'FROM reporting.model_health WHERE {where}';
const QUARANTINE = 'FROM reporting.quarantine_daily WHERE {where}';
const qsOf = (view: string, x: QuickSightVisual['x'] | null, ...values: QuickSightVisual['values']) => ({
  view,
  ...(x ? { x } : {}),
  values,
});

export const EXPLORE_DASHBOARDS: ExploreDashboard[] = [
  {
    id: 'trends',
    title: 'Purchase Trends',
    description:
      'Revenue orders and net revenue, filtered by date range, segment, country and source; click a bar for the customers behind it.',
    set: 'orders',
    visuals: [
      kpi(
        'orders',
        'Revenue orders',
        'orders',
        `SELECT count(*) AS value ${ORDERS}`,
        'No orders in this range.',
        {
          view: 'orders_explore',
          values: [{ column: 'order_id', agg: 'COUNT' }],
        },
      ),
      kpi(
        'net_revenue',
        'Net revenue',
        'USD',
        `SELECT CAST(sum(net_usd) AS VARCHAR) AS value ${ORDERS}`,
        'No revenue in this range.',
        qsOf('orders_explore', null, { column: 'net_usd', agg: 'SUM' }),
      ),
      kpi(
        'buyers',
        'Customers who ordered',
        'customers',
        `SELECT count(DISTINCT customer_no) AS value ${ORDERS}`,
        'No customers ordered in this range.',
        qsOf('orders_explore', null, { column: 'customer_id', agg: 'DISTINCT_COUNT' }),
      ),
      {
        id: 'orders_by_segment',
        title: 'Orders and net revenue by segment',
        units: 'orders / USD',
        kind: 'bar',
        sql: `SELECT segment, count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net_usd ${ORDERS} GROUP BY segment ORDER BY orders DESC, segment`,
        x: 'segment',
        y: ['orders', 'net_usd'],
        drill: { column: 'segment' },
        empty: 'No orders in this range.',
        qs: qsOf(
          'orders_explore',
          { column: 'segment', kind: 'category' },
          { column: 'order_id', agg: 'COUNT' },
          { column: 'net_usd', agg: 'SUM' },
        ),
      },
      {
        id: 'orders_per_day',
        title: 'Revenue orders per day',
        units: 'orders',
        kind: 'bar',
        sql: `SELECT strftime(order_date, '%Y-%m-%d') AS day, count(*) AS orders, CAST(sum(net_usd) AS VARCHAR) AS net_usd ${ORDERS} GROUP BY 1 ORDER BY 1`,
        x: 'day',
        y: ['orders'],
        drill: { column: 'order_date' },
        empty: 'No orders in this range.',
        qs: qsOf(
          'orders_explore',
          { column: 'order_date', kind: 'date' },
          { column: 'order_id', agg: 'COUNT' },
        ),
      },
      {
        id: 'orders_by_country',
        title: 'Orders by country (top 20)',
        units: 'orders',
        kind: 'bar',
        sql: `SELECT country, count(*) AS orders ${ORDERS} GROUP BY country ORDER BY orders DESC, country LIMIT 20`,
        x: 'country',
        y: ['orders'],
        drill: { column: 'country' },
        empty: 'No orders in this range.',
        qs: qsOf(
          'orders_explore',
          { column: 'country', kind: 'category' },
          { column: 'order_id', agg: 'COUNT' },
        ),
      },
    ],
  },
  {
    id: 'segments',
    title: 'Customer Segmentation',
    description:
      'Current customers per RFM segment and country with their net revenue to date; the time range picks customers by their first order (a cohort). Click a bar for its customers.',
    set: 'customers',
    visuals: [
      kpi(
        'customers',
        'Customers',
        'customers',
        `SELECT count(*) AS value ${CUSTOMERS}`,
        'No customers in this range.',
        qsOf('customer_lifetime_value', null, { column: 'customer_id', agg: 'COUNT' }),
      ),
      kpi(
        'net_revenue',
        'Their net revenue to date',
        'USD',
        `SELECT CAST(sum(net_usd) AS VARCHAR) AS value ${CUSTOMERS}`,
        'No revenue in this range.',
        qsOf('customer_lifetime_value', null, { column: 'net_usd', agg: 'SUM' }),
      ),
      kpi(
        'avg_net_revenue',
        'Net revenue per customer',
        'USD',
        `SELECT CAST(round(avg(net_usd), 2) AS VARCHAR) AS value ${CUSTOMERS}`,
        'No customers in this range.',
        qsOf('customer_lifetime_value', null, { column: 'net_usd', agg: 'AVERAGE' }),
      ),
      {
        id: 'customers_by_segment',
        title: 'Customers and their net revenue by segment',
        units: 'customers / USD',
        kind: 'bar',
        sql: `SELECT segment, count(*) AS customers, CAST(sum(net_usd) AS VARCHAR) AS net_usd ${CUSTOMERS} GROUP BY segment ORDER BY customers DESC, segment`,
        x: 'segment',
        y: ['customers', 'net_usd'],
        drill: { column: 'segment' },
        empty: 'No customers in this range.',
        qs: qsOf(
          'customer_lifetime_value',
          { column: 'segment', kind: 'category' },
          { column: 'customer_id', agg: 'COUNT' },
          { column: 'net_usd', agg: 'SUM' },
        ),
      },
      {
        id: 'customers_by_country',
        title: 'Customers by country (top 20)',
        units: 'customers',
        kind: 'bar',
        sql: `SELECT country, count(*) AS customers ${CUSTOMERS} GROUP BY country ORDER BY customers DESC, country LIMIT 20`,
        x: 'country',
        y: ['customers'],
        drill: { column: 'country' },
        empty: 'No customers in this range.',
        qs: qsOf(
          'customer_lifetime_value',
          { column: 'country', kind: 'category' },
          { column: 'customer_id', agg: 'COUNT' },
        ),
      },
      {
        id: 'first_orders_per_month',
        title: 'New customers per month (first order)',
        units: 'customers',
        kind: 'bar',
        sql: `SELECT strftime(first_order_date, '%Y-%m') AS month, count(*) AS customers ${CUSTOMERS} AND first_order_date IS NOT NULL GROUP BY 1 ORDER BY 1`,
        x: 'month',
        y: ['customers'],
        empty: 'No first orders in this range.',
        qs: qsOf(
          'customer_lifetime_value',
          { column: 'first_order_date', kind: 'date' },
          { column: 'customer_id', agg: 'COUNT' },
        ),
      },
    ],
  },
  {
    id: 'clv',
    title: 'Customer Lifetime Value',
    description:
      '12-month CLV and P(alive) from the latest models, per band and segment; the time range picks customers by their first order. Click a bar for its customers.',
    set: 'customers',
    visuals: [
      kpi(
        'total_clv',
        'Total 12-month CLV',
        'USD',
        `SELECT CAST(round(sum(clv_12m_usd), 2) AS VARCHAR) AS value ${CUSTOMERS}`,
        'No scored customers in this range.',
        qsOf('customer_lifetime_value', null, { column: 'clv_12m_usd', agg: 'SUM' }),
      ),
      kpi(
        'scored',
        'Scored customers',
        'customers',
        `SELECT count(clv_12m_usd) AS value ${CUSTOMERS}`,
        'No scored customers in this range.',
        qsOf('customer_lifetime_value', null, { column: 'clv_12m_usd', agg: 'COUNT' }),
      ),
      kpi(
        'mean_p_alive',
        'Mean P(alive)',
        'probability',
        `SELECT round(avg(p_alive), 3) AS value ${CUSTOMERS}`,
        'No scored customers in this range.',
        qsOf('customer_lifetime_value', null, { column: 'p_alive', agg: 'AVERAGE' }),
      ),
      {
        id: 'customers_by_band',
        title: 'Customers and their 12-month CLV by band',
        units: 'customers / USD',
        kind: 'bar',
        sql: `SELECT clv_band, count(*) AS customers, CAST(round(sum(clv_12m_usd), 2) AS VARCHAR) AS clv_12m_usd ${CUSTOMERS} AND clv_band IS NOT NULL GROUP BY clv_band, clv_band_order ORDER BY clv_band_order`,
        x: 'clv_band',
        y: ['customers', 'clv_12m_usd'],
        drill: { column: 'clv_band' },
        empty: 'No scored customers in this range.',
        qs: qsOf(
          'customer_lifetime_value',
          { column: 'clv_band', kind: 'category' },
          { column: 'customer_id', agg: 'COUNT' },
          { column: 'clv_12m_usd', agg: 'SUM' },
        ),
      },
      {
        id: 'clv_by_segment',
        title: 'Scored customers and their 12-month CLV by segment',
        units: 'customers / USD',
        kind: 'bar',
        sql: `SELECT segment, count(*) AS customers, CAST(round(sum(clv_12m_usd), 2) AS VARCHAR) AS clv_12m_usd ${CUSTOMERS} AND clv_12m_usd IS NOT NULL GROUP BY segment ORDER BY sum(clv_12m_usd) DESC, segment`,
        x: 'segment',
        y: ['customers', 'clv_12m_usd'],
        drill: { column: 'segment', where: 'clv_12m_usd IS NOT NULL' },
        empty: 'No scored customers in this range.',
        qs: qsOf(
          'customer_lifetime_value',
          { column: 'segment', kind: 'category' },
          { column: 'clv_12m_usd', agg: 'COUNT' },
          { column: 'clv_12m_usd', agg: 'SUM' },
        ),
      },
      {
        id: 'top_customers',
        title: 'Top 20 customers by 12-month CLV',
        units: 'USD',
        kind: 'table',
        sql: `SELECT customer_id, segment, country, orders, CAST(net_usd AS VARCHAR) AS net_usd, CAST(round(clv_12m_usd, 2) AS VARCHAR) AS clv_12m_usd, round(p_alive, 3) AS p_alive ${CUSTOMERS} AND clv_12m_usd IS NOT NULL ORDER BY round(clv_12m_usd, 2) DESC, customer_id LIMIT 20`,
        empty: 'No scored customers in this range.',
        qs: qsOf(
          'customer_lifetime_value',
          null,
          ...['customer_id', 'segment', 'country', 'orders', 'net_usd', 'clv_12m_usd', 'p_alive'].map(
            (column) => ({
              column,
            }),
          ),
        ),
      },
    ],
  },
  {
    id: 'realtime',
    title: 'Real-Time Purchase Trends',
    description:
      'Paid orders, revenue and active customers per minute of arrival over the last hour of data, against the same minutes a week earlier. The page refreshes itself every 30 seconds.',
    set: 'realtime',
    refreshSeconds: 30,
    visuals: [
      asServed('realtime', 'orders_last_hour'),
      asServed('realtime', 'revenue_last_hour'),
      asServed('realtime', 'orders_per_minute'),
      asServed('realtime', 'revenue_per_minute'),
      asServed('realtime', 'customers_and_late'),
    ],
  },
  {
    id: 'audiences',
    title: 'Audiences',
    description:
      'Audience sizes, entries and exits per daily run, filtered by run date, audience and consent purpose.',
    set: 'audiences',
    visuals: [
      kpi(
        'members',
        'Members at the last run in range',
        'members',
        `SELECT sum(size) AS value ${AUDIENCES} AND as_of = (SELECT max(as_of) ${AUDIENCES})`,
        'No audience runs in this range.',
      ),
      kpi(
        'entered',
        'Entries',
        'members',
        `SELECT sum(entered) AS value ${AUDIENCES}`,
        'No audience runs in this range.',
        qsOf('audience_history', null, { column: 'entered', agg: 'SUM' }),
      ),
      kpi(
        'exited',
        'Exits',
        'members',
        `SELECT sum(exited) AS value ${AUDIENCES}`,
        'No audience runs in this range.',
        qsOf('audience_history', null, { column: 'exited', agg: 'SUM' }),
      ),
      {
        id: 'size_by_audience',
        title: 'Members per audience at the last run in range',
        units: 'members',
        kind: 'bar',
        sql: `SELECT audience, sum(size) AS size ${AUDIENCES} AND as_of = (SELECT max(as_of) ${AUDIENCES}) GROUP BY audience ORDER BY audience`,
        x: 'audience',
        y: ['size'],
        empty: 'No audience runs in this range.',
      },
      {
        id: 'changes_by_audience',
        title: 'Entries and exits per audience',
        units: 'members',
        kind: 'bar',
        sql: `SELECT audience, sum(entered) AS entered, sum(exited) AS exited ${AUDIENCES} GROUP BY audience ORDER BY audience`,
        x: 'audience',
        y: ['entered', 'exited'],
        empty: 'No audience runs in this range.',
        qs: qsOf(
          'audience_history',
          { column: 'audience', kind: 'category' },
          { column: 'entered', agg: 'SUM' },
          { column: 'exited', agg: 'SUM' },
        ),
      },
      {
        id: 'per_run',
        title: 'Members, entries and exits per run date',
        units: 'members',
        kind: 'line',
        sql: `SELECT strftime(as_of, '%Y-%m-%d') AS as_of, sum(size) AS size, sum(entered) AS entered, sum(exited) AS exited ${AUDIENCES} GROUP BY 1 ORDER BY 1`,
        x: 'as_of',
        y: ['size', 'entered', 'exited'],
        empty: 'No audience runs in this range.',
        qs: qsOf(
          'audience_history',
          { column: 'as_of', kind: 'date' },
          { column: 'size', agg: 'SUM' },
          { column: 'entered', agg: 'SUM' },
          { column: 'exited', agg: 'SUM' },
        ),
      },
    ],
  },
  {
    id: 'models',
    title: 'Model Health',
    description:
      'Drift (population stability index) of the churn features and scores per scoring day and check, and the retraining runs, filtered by day and check.',
    set: 'models',
    visuals: [
      kpi(
        'largest_psi',
        'Largest drift (PSI; retrain over 0.25)',
        'PSI',
        `SELECT round(max(psi), 4) AS value ${CHECKS}`,
        'No scored days in this range.',
        qsOf('model_health', null, { column: 'psi', agg: 'MAX' }),
      ),
      kpi(
        'drifted',
        'Checks over the threshold',
        'checks',
        `SELECT sum(drifted) AS value ${CHECKS}`,
        'No scored days in this range.',
        qsOf('model_health', null, { column: 'drifted', agg: 'SUM' }),
      ),
      kpi(
        'retrained',
        'Days that retrained',
        'days',
        `SELECT count(DISTINCT CASE WHEN retrained = 1 THEN run_date END) AS value ${CHECKS}`,
        'No scored days in this range.',
      ),
      {
        id: 'psi_by_check',
        title: 'Largest drift per check',
        units: 'PSI',
        kind: 'bar',
        sql: `SELECT check_name, round(max(psi), 4) AS psi ${CHECKS} GROUP BY check_name ORDER BY psi DESC, check_name`,
        x: 'check_name',
        y: ['psi'],
        empty: 'No scored days in this range.',
        qs: qsOf('model_health', { column: 'check_name', kind: 'category' }, { column: 'psi', agg: 'MAX' }),
      },
      {
        id: 'psi_per_day',
        title: 'Largest drift per scoring day',
        units: 'PSI',
        kind: 'line',
        sql: `SELECT strftime(run_date, '%Y-%m-%d') AS run_date, round(max(psi), 4) AS psi ${CHECKS} GROUP BY 1 ORDER BY 1`,
        x: 'run_date',
        y: ['psi'],
        empty: 'No scored days in this range.',
        qs: qsOf('model_health', { column: 'run_date', kind: 'date' }, { column: 'psi', agg: 'MAX' }),
      },
    ],
  },
  {
    id: 'health',
    title: 'Pipeline Health',
    description:
      'Quarantined events per day, reason and source (filtered), and the last load of each warehouse table (not filtered: the latest state).',
    set: 'quarantine',
    visuals: [
      kpi(
        'quarantined',
        'Events quarantined',
        'events',
        `SELECT sum(events) AS value ${QUARANTINE}`,
        'No events quarantined in this range.',
        qsOf('quarantine_daily', null, { column: 'events', agg: 'SUM' }),
      ),
      {
        id: 'quarantine_by_reason',
        title: 'Quarantined events by reason',
        units: 'events',
        kind: 'bar',
        sql: `SELECT reason, sum(events) AS events ${QUARANTINE} GROUP BY reason ORDER BY events DESC, reason`,
        x: 'reason',
        y: ['events'],
        empty: 'No events quarantined in this range.',
        qs: qsOf(
          'quarantine_daily',
          { column: 'reason', kind: 'category' },
          { column: 'events', agg: 'SUM' },
        ),
      },
      {
        id: 'quarantine_by_source',
        title: 'Quarantined events by source',
        units: 'events',
        kind: 'bar',
        sql: `SELECT source, sum(events) AS events ${QUARANTINE} GROUP BY source ORDER BY events DESC, source`,
        x: 'source',
        y: ['events'],
        empty: 'No events quarantined in this range.',
        qs: qsOf(
          'quarantine_daily',
          { column: 'source', kind: 'category' },
          { column: 'events', agg: 'SUM' },
        ),
      },
      {
        id: 'quarantine_per_day',
        title: 'Quarantined events per day',
        units: 'events',
        kind: 'bar',
        sql: `SELECT strftime(dt, '%Y-%m-%d') AS day, sum(events) AS events ${QUARANTINE} GROUP BY 1 ORDER BY 1`,
        x: 'day',
        y: ['events'],
        empty: 'No events quarantined in this range.',
        qs: qsOf('quarantine_daily', { column: 'dt', kind: 'date' }, { column: 'events', agg: 'SUM' }),
      },
      asServed('health', 'tables_loaded'),
      asServed('health', 'rows_in_tables'),
      asServed('health', 'last_loads'),
    ],
  },
];

export const setOf = (d: ExploreDashboard): FilterSet => FILTER_SETS[d.set];

/** A visual's SQL under the filters. */
export const visualSql = (v: ExploreVisual, f: Filters, set: FilterSet) =>
  v.sql.replaceAll('{where}', whereOf(f, set));

/**
 * The customers behind a bar, per kind of view: one row each (its measures numeric, for sorting),
 * what the bar counts and its total over the list, and the sorts offered.
 */
interface DrillList {
  /** The per-customer rows over the view (`{where}` the filters and the bar). */
  base: string;
  /** The columns shown, over `t` (money as text: exact). */
  shown: string;
  measure: { name: string; total: string };
  sorts: Record<string, string>;
}
const DRILLS: Partial<Record<keyof typeof FILTER_SETS, DrillList>> = {
  orders: {
    base: `SELECT coalesce(customer_id, '(guest)') AS customer_id, count(*) AS orders, sum(net_usd) AS net_usd
      FROM reporting.orders_explore WHERE {where} GROUP BY 1`,
    shown: 't.customer_id, t.orders, CAST(t.net_usd AS VARCHAR) AS net_usd',
    measure: { name: 'orders', total: 'coalesce(sum(orders), 0)' },
    sorts: { orders: 't.orders DESC', net_usd: 't.net_usd DESC', customer_id: 't.customer_id' },
  },
  customers: {
    base: `SELECT customer_id, orders, net_usd, round(clv_12m_usd, 2) AS clv_12m_usd, round(p_alive, 3) AS p_alive
      FROM reporting.customer_lifetime_value WHERE {where}`,
    shown:
      't.customer_id, t.orders, CAST(t.net_usd AS VARCHAR) AS net_usd, CAST(t.clv_12m_usd AS VARCHAR) AS clv_12m_usd, t.p_alive',
    measure: { name: 'customers', total: 'count(*)' },
    sorts: {
      net_usd: 't.net_usd DESC NULLS LAST',
      clv_12m_usd: 't.clv_12m_usd DESC NULLS LAST',
      orders: 't.orders DESC NULLS LAST',
      customer_id: 't.customer_id',
    },
  },
};

/** What a drill-down offers on a dashboard: its sorts (the first is the default) and what it counts. */
export function drillOf(d: ExploreDashboard): { sorts: string[]; measure: string } | null {
  const l = DRILLS[d.set];
  return l ? { sorts: Object.keys(l.sorts), measure: l.measure.name } : null;
}

export const DRILL_PAGE = 50;

/** The customers behind one bar: each with their measures in it; `total` counts them and the bar's measure. */
export function drillSql(
  d: ExploreDashboard,
  v: ExploreVisual,
  f: Filters,
  x: string,
  sort: string,
  page: number | null,
) {
  const list = DRILLS[d.set];
  if (!v.drill || !list) throw new FilterError('visual', `${v.id} has no drill-down`);
  const set = setOf(d);
  const isDate = v.drill.column === set.date?.column;
  if (isDate && !DAY.test(x)) throw new FilterError('x', `a day YYYY-MM-DD, got "${x}"`);
  const order = list.sorts[sort];
  if (!order) throw new FilterError('sort', `one of ${Object.keys(list.sorts).join(', ')}, got "${sort}"`);
  const match = `${v.drill.column} = ${isDate ? `DATE ${lit(x)}` : lit(x)}`;
  const base = list.base.replace(
    '{where}',
    [whereOf(f, set), match, ...(v.drill.where ? [v.drill.where] : [])].join(' AND '),
  );
  return {
    rows: `SELECT ${list.shown} FROM (${base}) t ORDER BY ${order}, t.customer_id${page === null ? '' : ` LIMIT ${DRILL_PAGE} OFFSET ${(page - 1) * DRILL_PAGE}`}`,
    total: `SELECT count(*) AS customers, ${list.measure.total} AS value FROM (${base}) t`,
  };
}

/** The latest day of the set's view: what the presets end on by default (null: no data, or no dates). */
export async function latestDay(wh: Pick<Engine, 'rows'>, set: FilterSet): Promise<string | null> {
  if (!set.date) return null;
  const [r] = await wh.rows<{ d: string | null }>(
    `SELECT strftime(max(${set.date.column}), '%Y-%m-%d') AS d FROM reporting.${set.view}`,
  );
  return r?.d ?? null;
}

/** The filter choices: every value each categorical filter can take now. */
export async function filterChoices(
  wh: Pick<Engine, 'rows'>,
  set: FilterSet,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const f of set.categories)
    out[f.name] = (
      await wh.rows<{ v: string }>(
        `SELECT DISTINCT CAST(${f.column} AS VARCHAR) AS v FROM reporting.${set.view} WHERE ${f.column} IS NOT NULL ORDER BY 1`,
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
 * The explore dashboards as QuickSight dashboards (scripts/gen-quicksight.ts): the filtered
 * visuals over the same view, with the same filters (a relative date range, last 30 days by
 * default; a multi-select parameter per category filter, which a link can set: #p.segment=…),
 * on every visual. A dashboard without dates (real time) stays the static one.
 */
export function exploreForQuickSight(): Dashboard[] {
  return EXPLORE_DASHBOARDS.flatMap((d) => {
    const set = setOf(d);
    if (!set.date) return [];
    return [
      {
        id: `${d.id}_explore`,
        title: `${d.title} (explore)`,
        description: d.description,
        rangeSql: '',
        cacheTtlSeconds: 0,
        visuals: d.visuals
          .filter((v) => isFiltered(v) && v.qs)
          .map((v) => ({
            id: v.id,
            title: v.title,
            units: v.units,
            kind: v.kind,
            sql: v.sql,
            ...(v.x ? { x: v.x, y: v.y } : {}),
            qs: v.qs as QuickSightVisual,
          })),
        filters: {
          view: set.view,
          date: set.date.column,
          days: 30,
          categories: set.categories.map((c) => ({ name: c.name, column: c.column, label: c.label })),
        },
      },
    ];
  });
}
