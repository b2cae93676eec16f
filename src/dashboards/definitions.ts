/**
 * The business dashboards, defined once as code: dashboard → visuals → the reporting view each
 * visual reads. Rendered two ways: `c360 dashboard` runs each visual's SQL and writes static HTML
 * with the chart library bundled (no network at view time); scripts/gen-quicksight.ts turns the
 * same visuals (`qs`: the view, its dimension and measures) into QuickSight datasets and
 * dashboards in template.yaml, where QuickSight does the same aggregation over the same view.
 * Every visual states its units; every dashboard its date range.
 */
export type VisualKind = 'kpi' | 'bar' | 'line' | 'pie' | 'scatter' | 'table';

export interface Visual {
  id: string;
  title: string;
  units: string;
  kind: VisualKind;
  sql: string;
  /** Category / x column (charts). */
  x?: string;
  /** Value columns (charts). */
  y?: string[];
  /** The same visual for QuickSight: what the SQL computes, as a view, a dimension and measures. */
  qs: QuickSightVisual;
  /** What an empty visual says (default: "No <units> in this range."). */
  empty?: string;
}

/** What is missing when a visual of these units is empty (units that are not a countable noun). */
const MISSING: Record<string, string> = {
  USD: 'revenue',
  '% of net revenue': 'revenue',
  PSI: 'scored days',
  'probability (x) / USD (y)': 'scored customers',
  'customers / events': 'events',
};

/** Why a visual shows nothing: its own words, or "No <what its units count> in this range." */
export const emptyText = (v: Pick<Visual, 'empty' | 'units'>): string =>
  v.empty ?? `No ${MISSING[v.units] ?? v.units} in this range.`;

export type Aggregation = 'SUM' | 'COUNT' | 'DISTINCT_COUNT' | 'AVERAGE' | 'MAX';
export interface QuickSightVisual {
  /** The reporting view (one QuickSight dataset each). */
  view: string;
  /** The dimension (category, date by day, or a number for scatter plots). */
  x?: { column: string; kind: 'category' | 'date' | 'minute' | 'number' };
  /** Measures (aggregated) or, for tables and scatter plots, the columns shown. */
  values: { column: string; agg?: Aggregation }[];
}

export interface Dashboard {
  id: string;
  title: string;
  description: string;
  /** One row {from, to}: the dates the numbers cover. */
  rangeSql: string;
  /** How long a cached query result stays fresh (a warehouse load invalidates it sooner). */
  cacheTtlSeconds: number;
  /** The page reloads itself this often (the real-time page, which `c360 demo --live` re-renders each minute). */
  refreshSeconds?: number;
  visuals: Visual[];
  /**
   * Filter controls on every visual (QuickSight: filter groups and their controls), over one view:
   * a relative date range on `date` (default the last `days`) and a multi-select parameter with its
   * drop-down per category column.
   */
  filters?: {
    view: string;
    date: string;
    days: number;
    /** `name`: the QuickSight parameter that holds the selection (a link sets it: #p.<name>=…). */
    categories: { name: string; column: string; label: string }[];
  };
}

const ORDER_RANGE =
  'SELECT strftime(min(order_date), \'%Y-%m-%d\') AS "from", strftime(max(order_date), \'%Y-%m-%d\') AS "to" FROM reporting.purchase_trends';

/** A KPI that sums one column of a reporting view: its SQL and its QuickSight well from the same two names. */
function sumKpi(id: string, title: string, units: string, view: string, column: string): Visual {
  return {
    id,
    title,
    units,
    kind: 'kpi',
    sql: `SELECT sum(${column}) AS value FROM reporting.${view}`,
    qs: { view, values: [{ column, agg: 'SUM' }] },
  };
}

/** A real-time chart: columns of reporting.realtime_trends summed per minute, in HTML and QuickSight alike. */
function perMinute(
  id: string,
  title: string,
  units: string,
  kind: 'line' | 'bar',
  columns: string[],
): Visual {
  return {
    id,
    title,
    units,
    kind,
    sql: `SELECT strftime(minute, '%Y-%m-%d %H:%M') AS minute, ${columns.join(', ')} FROM reporting.realtime_trends ORDER BY 1`,
    x: 'minute',
    y: columns,
    qs: {
      view: 'realtime_trends',
      x: { column: 'minute', kind: 'minute' },
      values: columns.map((column) => ({ column, agg: 'SUM' as const })),
    },
  };
}

export const DASHBOARDS: Dashboard[] = [
  {
    id: 'segments',
    title: 'Customer Segmentation',
    description: 'Current customers per RFM segment, their share of net revenue, and moves between segments.',
    cacheTtlSeconds: 3600,
    rangeSql: ORDER_RANGE,
    visuals: [
      sumKpi('customers', 'Current customers', 'customers', 'customer_segments', 'customers'),
      {
        id: 'segment_sizes',
        qs: {
          view: 'customer_segments',
          x: { column: 'segment', kind: 'category' },
          values: [{ column: 'customers', agg: 'SUM' }],
        },
        title: 'Customers per segment',
        units: 'customers',
        kind: 'bar',
        sql: 'SELECT segment, customers FROM reporting.customer_segments ORDER BY customers DESC, segment',
        x: 'segment',
        y: ['customers'],
      },
      {
        id: 'revenue_share',
        qs: {
          view: 'customer_segments',
          x: { column: 'segment', kind: 'category' },
          values: [{ column: 'revenue_share', agg: 'SUM' }],
        },
        title: 'Share of net revenue by segment',
        units: '% of net revenue',
        kind: 'pie',
        sql: 'SELECT segment, round(100 * revenue_share, 2) AS revenue_share_pct FROM reporting.customer_segments WHERE revenue_share > 0 ORDER BY 2 DESC',
        x: 'segment',
        y: ['revenue_share_pct'],
      },
      {
        id: 'migrations',
        qs: {
          view: 'segment_migrations',
          values: [
            { column: 'from_segment' },
            { column: 'to_segment' },
            { column: 'changed_on' },
            { column: 'customers' },
          ],
        },
        title: 'Segment migrations (latest 50)',
        units: 'customers',
        kind: 'table',
        sql: "SELECT from_segment, to_segment, strftime(changed_on, '%Y-%m-%d') AS changed_on, customers FROM reporting.segment_migrations ORDER BY changed_on DESC, customers DESC, from_segment, to_segment LIMIT 50",
      },
    ],
  },
  {
    id: 'clv',
    title: 'Customer Lifetime Value',
    description:
      '12-month CLV (BG/NBD + Gamma-Gamma, discounted 1 % a month) and P(alive) from the latest models.',
    cacheTtlSeconds: 3600,
    rangeSql: ORDER_RANGE,
    visuals: [
      {
        id: 'total_clv',
        qs: { view: 'customer_lifetime_value', values: [{ column: 'clv_12m_usd', agg: 'SUM' }] },
        title: 'Total 12-month CLV',
        units: 'USD',
        kind: 'kpi',
        // The bands' totals (pre-aggregated at load) add up to the customers' total, to the cent.
        sql: 'SELECT round(sum(clv_12m_usd), 2) AS value FROM reporting.clv_bands',
      },
      {
        id: 'clv_distribution',
        qs: {
          view: 'customer_lifetime_value',
          x: { column: 'clv_band', kind: 'category' },
          values: [{ column: 'customer_id', agg: 'COUNT' }],
        },
        title: 'Customers by 12-month CLV band',
        units: 'customers',
        kind: 'bar',
        sql: 'SELECT band, customers FROM reporting.clv_bands ORDER BY band_order',
        x: 'band',
        y: ['customers'],
      },
      {
        id: 'palive_vs_clv',
        qs: {
          view: 'customer_lifetime_value',
          x: { column: 'p_alive', kind: 'number' },
          values: [{ column: 'clv_12m_usd' }],
        },
        title: 'P(alive) against 12-month CLV',
        units: 'probability (x) / USD (y)',
        kind: 'scatter',
        sql: 'SELECT round(p_alive, 4) AS p_alive, clv_12m_usd FROM reporting.clv_sample ORDER BY customer_id',
        x: 'p_alive',
        y: ['clv_12m_usd'],
      },
      {
        id: 'top_customers',
        qs: {
          view: 'customer_lifetime_value',
          values: [
            { column: 'customer_id' },
            { column: 'segment' },
            { column: 'orders' },
            { column: 'net_usd' },
            { column: 'clv_12m_usd' },
            { column: 'p_alive' },
          ],
        },
        title: 'Top 20 customers by 12-month CLV',
        units: 'USD',
        kind: 'table',
        sql: 'SELECT customer_id, segment, orders, net_usd, clv_12m_usd, round(p_alive, 3) AS p_alive FROM reporting.clv_top_customers WHERE clv_rank <= 20 ORDER BY clv_rank',
      },
    ],
  },
  {
    id: 'trends',
    title: 'Purchase Trends',
    description:
      'Revenue orders and net revenue per day: the exact, deduplicated daily numbers (per minute of arrival: Real-Time Purchase Trends).',
    cacheTtlSeconds: 3600,
    rangeSql: ORDER_RANGE,
    visuals: [
      sumKpi('orders', 'Revenue orders', 'orders', 'purchase_trends', 'orders'),
      sumKpi('net_revenue', 'Net revenue', 'USD', 'purchase_trends', 'net_usd'),
      {
        id: 'orders_per_day',
        qs: {
          view: 'purchase_trends',
          x: { column: 'order_date', kind: 'date' },
          values: [{ column: 'orders', agg: 'SUM' }],
        },
        title: 'Orders per day',
        units: 'orders',
        kind: 'line',
        sql: "SELECT strftime(order_date, '%Y-%m-%d') AS day, orders FROM reporting.purchase_trends ORDER BY order_date",
        x: 'day',
        y: ['orders'],
      },
      {
        id: 'revenue_per_day',
        qs: {
          view: 'purchase_trends',
          x: { column: 'order_date', kind: 'date' },
          values: [{ column: 'net_usd', agg: 'SUM' }],
        },
        title: 'Net revenue per day',
        units: 'USD',
        kind: 'line',
        sql: "SELECT strftime(order_date, '%Y-%m-%d') AS day, net_usd FROM reporting.purchase_trends ORDER BY order_date",
        x: 'day',
        y: ['net_usd'],
      },
    ],
  },
  {
    id: 'realtime',
    title: 'Real-Time Purchase Trends',
    description:
      'Paid orders, revenue and active customers per minute of arrival on the stream (60-second tumbling windows), the last hour of data against the same minutes a week earlier. Counts are before deduplication; late events (older than their window) are counted where they arrive.',
    cacheTtlSeconds: 60,
    refreshSeconds: 30,
    rangeSql:
      'SELECT strftime(min(minute), \'%Y-%m-%d %H:%M\') AS "from", strftime(max(minute), \'%Y-%m-%d %H:%M\') AS "to" FROM reporting.realtime_trends',
    visuals: [
      sumKpi('orders_last_hour', 'Orders in the last hour', 'orders', 'realtime_trends', 'orders'),
      sumKpi('revenue_last_hour', 'Revenue in the last hour', 'USD', 'realtime_trends', 'revenue_usd'),
      perMinute('orders_per_minute', 'Orders per minute, against a week earlier', 'orders', 'line', [
        'orders',
        'orders_week_before',
      ]),
      perMinute('revenue_per_minute', 'Revenue per minute, against a week earlier', 'USD', 'line', [
        'revenue_usd',
        'revenue_usd_week_before',
      ]),
      perMinute(
        'customers_and_late',
        'Active customers and late events per minute',
        'customers / events',
        'bar',
        ['active_customers', 'late_events'],
      ),
    ],
  },
  {
    id: 'audiences',
    title: 'Audiences',
    description:
      'The audiences defined in src/domain/audiences.ts: consented members after each daily run, and who entered and left (what destinations receive).',
    cacheTtlSeconds: 3600,
    rangeSql:
      'SELECT strftime(min(as_of), \'%Y-%m-%d\') AS "from", strftime(max(as_of), \'%Y-%m-%d\') AS "to" FROM reporting.audience_history',
    visuals: [
      sumKpi(
        'audience_members',
        'Members, latest run (a customer counts once per audience)',
        'members',
        'audience_sizes',
        'size',
      ),
      sumKpi('audience_entered', 'Entered in the latest run', 'members', 'audience_sizes', 'entered'),
      sumKpi('audience_exited', 'Left in the latest run', 'members', 'audience_sizes', 'exited'),
      {
        id: 'audience_size_by_audience',
        qs: {
          view: 'audience_sizes',
          x: { column: 'audience', kind: 'category' },
          values: [
            { column: 'size', agg: 'SUM' },
            { column: 'entered', agg: 'SUM' },
            { column: 'exited', agg: 'SUM' },
          ],
        },
        title: 'Members per audience, with entries and exits of the latest run',
        units: 'members',
        kind: 'bar',
        sql: 'SELECT audience, size, entered, exited FROM reporting.audience_sizes ORDER BY audience',
        x: 'audience',
        y: ['size', 'entered', 'exited'],
      },
      {
        id: 'audience_members_per_day',
        qs: {
          view: 'audience_history',
          x: { column: 'as_of', kind: 'date' },
          values: [
            { column: 'size', agg: 'SUM' },
            { column: 'entered', agg: 'SUM' },
            { column: 'exited', agg: 'SUM' },
          ],
        },
        title: 'Members, entries and exits per run date (all audiences)',
        units: 'members',
        kind: 'line',
        sql: "SELECT strftime(as_of, '%Y-%m-%d') AS as_of, sum(size) AS size, sum(entered) AS entered, sum(exited) AS exited FROM reporting.audience_history GROUP BY 1 ORDER BY 1",
        x: 'as_of',
        y: ['size', 'entered', 'exited'],
      },
      {
        id: 'audience_history_table',
        qs: {
          view: 'audience_history',
          values: [
            { column: 'as_of' },
            { column: 'audience' },
            { column: 'purpose' },
            { column: 'size' },
            { column: 'entered' },
            { column: 'exited' },
          ],
        },
        title: 'Each audience per run date (latest 50 rows)',
        units: 'members',
        kind: 'table',
        sql: "SELECT strftime(as_of, '%Y-%m-%d') AS as_of, audience, purpose, size, entered, exited FROM reporting.audience_history ORDER BY as_of DESC, audience LIMIT 50",
      },
    ],
  },
  {
    id: 'models',
    title: 'Model Health',
    description:
      "How far each scored day's churn features and churn scores moved from what the live models were fitted on (population stability index), and when the pipeline retrained.",
    cacheTtlSeconds: 3600,
    rangeSql:
      'SELECT strftime(min(run_date), \'%Y-%m-%d\') AS "from", strftime(max(run_date), \'%Y-%m-%d\') AS "to" FROM reporting.model_health',
    visuals: [
      {
        id: 'largest_psi',
        qs: { view: 'model_health_latest', values: [{ column: 'psi', agg: 'MAX' }] },
        title: 'Largest drift, latest day (PSI; retrain over 0.25)',
        units: 'PSI',
        kind: 'kpi',
        sql: 'SELECT max(psi) AS value FROM reporting.model_health_latest',
      },
      {
        id: 'drifted_checks',
        qs: { view: 'model_health_latest', values: [{ column: 'drifted', agg: 'SUM' }] },
        title: 'Checks over the threshold, latest day',
        units: 'checks',
        kind: 'kpi',
        sql: 'SELECT sum(drifted) AS value FROM reporting.model_health_latest',
      },
      {
        id: 'psi_by_check',
        qs: {
          view: 'model_health_latest',
          x: { column: 'check_name', kind: 'category' },
          values: [{ column: 'psi', agg: 'MAX' }],
        },
        title: 'Drift per feature and of the churn score, latest day',
        units: 'PSI',
        kind: 'bar',
        sql: 'SELECT check_name, psi FROM reporting.model_health_latest ORDER BY psi DESC, check_name',
        x: 'check_name',
        y: ['psi'],
      },
      {
        id: 'psi_per_day',
        qs: {
          view: 'model_health',
          x: { column: 'run_date', kind: 'date' },
          values: [{ column: 'psi', agg: 'MAX' }],
        },
        title: 'Largest drift per scoring day',
        units: 'PSI',
        kind: 'line',
        sql: "SELECT strftime(run_date, '%Y-%m-%d') AS run_date, max(psi) AS psi FROM reporting.model_health GROUP BY 1 ORDER BY 1",
        x: 'run_date',
        y: ['psi'],
      },
      {
        id: 'versions',
        qs: {
          view: 'model_health_latest',
          values: [
            { column: 'check_name' },
            { column: 'psi' },
            { column: 'threshold' },
            { column: 'churn_version' },
            { column: 'customer_version' },
          ],
        },
        title: 'Latest day: each check and the model versions that scored it',
        units: 'PSI',
        kind: 'table',
        sql: 'SELECT check_name, round(psi, 4) AS psi, threshold, churn_version, customer_version FROM reporting.model_health_latest ORDER BY check_name',
      },
    ],
  },
  {
    id: 'health',
    title: 'Pipeline Health',
    description:
      'The last load of each warehouse table (when, which dates, how many rows) and the events in quarantine by reason.',
    cacheTtlSeconds: 3600,
    rangeSql:
      'SELECT strftime(min(loaded_at), \'%Y-%m-%d\') AS "from", strftime(max(loaded_at), \'%Y-%m-%d\') AS "to" FROM reporting.pipeline_health',
    visuals: [
      {
        id: 'tables_loaded',
        qs: { view: 'pipeline_health', values: [{ column: 'table_name', agg: 'COUNT' }] },
        title: 'Warehouse tables loaded',
        units: 'tables',
        kind: 'kpi',
        sql: 'SELECT count(*) AS value FROM reporting.pipeline_health',
      },
      {
        id: 'rows_in_tables',
        qs: {
          view: 'pipeline_health',
          x: { column: 'table_name', kind: 'category' },
          values: [{ column: 'rows_in_table', agg: 'SUM' }],
        },
        title: 'Rows per warehouse table',
        units: 'rows',
        kind: 'bar',
        sql: 'SELECT table_name, rows_in_table FROM reporting.pipeline_health ORDER BY rows_in_table DESC, table_name',
        x: 'table_name',
        y: ['rows_in_table'],
      },
      {
        id: 'quarantined',
        qs: { view: 'pipeline_quarantine', values: [{ column: 'events', agg: 'SUM' }] },
        title: 'Events in quarantine',
        units: 'events',
        kind: 'kpi',
        sql: 'SELECT coalesce(sum(events), 0) AS value FROM reporting.pipeline_quarantine',
      },
      {
        id: 'quarantine_by_reason',
        qs: {
          view: 'pipeline_quarantine',
          x: { column: 'reason', kind: 'category' },
          values: [{ column: 'events', agg: 'SUM' }],
        },
        title: 'Quarantined events by reason',
        units: 'events',
        kind: 'bar',
        sql: 'SELECT reason, events FROM reporting.pipeline_quarantine ORDER BY events DESC, reason',
        x: 'reason',
        y: ['events'],
      },
      {
        id: 'rows_flagged',
        qs: { view: 'pipeline_row_flags', values: [{ column: 'rows_flagged', agg: 'SUM' }] },
        title: 'Rows flagged by data quality',
        units: 'rows',
        kind: 'kpi',
        sql: 'SELECT coalesce(sum(rows_flagged), 0) AS value FROM reporting.pipeline_row_flags',
      },
      {
        id: 'flags_by_rule',
        qs: {
          view: 'pipeline_row_flags',
          x: { column: 'check_name', kind: 'category' },
          values: [{ column: 'rows_flagged', agg: 'SUM' }],
        },
        title: 'Flagged rows by rule (published as sent, see gold.dq_row_flags)',
        units: 'rows',
        kind: 'bar',
        sql: 'SELECT check_name, rows_flagged FROM reporting.pipeline_row_flags ORDER BY rows_flagged DESC, check_name',
        x: 'check_name',
        y: ['rows_flagged'],
      },
      {
        id: 'last_loads',
        qs: {
          view: 'pipeline_health',
          values: [
            { column: 'table_name' },
            { column: 'loaded_at' },
            { column: 'date_from' },
            { column: 'date_to' },
            { column: 'rows_loaded' },
            { column: 'rows_in_table' },
          ],
        },
        title: 'Last load per table',
        units: 'rows',
        kind: 'table',
        sql: "SELECT table_name, strftime(loaded_at, '%Y-%m-%d %H:%M:%S') AS loaded_at_utc, date_from, date_to, rows_loaded, rows_in_table FROM reporting.pipeline_health ORDER BY table_name",
      },
    ],
  },
];
