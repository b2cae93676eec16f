import { AUDIENCES } from '../audiences';
/**
 * The warehouse table model, defined once: columns, types, keys, distribution and sort keys. It
 * renders the Redshift DDL (DISTKEY/SORTKEY for the dashboard joins and time filters, ENCODE
 * AUTO, SUPER for semi-structured columns) and the embedded DuckDB DDL, and drives the loads
 * (the key they merge on, the date column a partial load filters on) in both engines.
 */
export type ColumnType =
  | 'varchar'
  | 'bigint'
  | 'int'
  | 'double'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'money' // DECIMAL(18,2)
  | 'super';

export interface Column {
  name: string;
  type: ColumnType;
  /** What the column holds: rendered into the DDL's COMMENTs, QuickSight and docs/warehouse-tables.md. */
  description: string;
  /** Key columns are NOT NULL. */
  notNull?: boolean;
}

export interface WarehouseTable {
  schema: 'gold';
  name: string;
  description: string;
  columns: Column[];
  /** The merge key: a load replaces rows with the same key (deduplicated on it first). */
  key: string[];
  /** Redshift distribution: KEY on the join column of the dashboards, ALL for small dimensions. */
  dist: { style: 'KEY'; key: string } | { style: 'ALL' | 'AUTO' };
  /** Redshift compound sort key: the time filter first. */
  sortKey: string[];
  /** The gold table it loads from, and the column a dated load filters on (as YYYY-MM-DD). */
  source:
    | { gold: string; dateExpr?: string }
    | { generated: 'dim_date' | 'load_audit' }
    | { optionalGold: string }
    /** Written by a stream consumer (the real-time Lambda), not loaded from gold. */
    | { stream: 'realtime' }
    /** Written by the daily pipeline's model-health step (rows upserted; embedded, from its records). */
    | { modelHealth: 'models/health' };
  /** Type-2 history: tracked attributes open a new version when they change. */
  scd2?: { tracked: string[] };
  /**
   * A small table gold rebuilds whole each run: a load replaces every row (a row gone from gold,
   * a data quality flag resolved, goes from the warehouse too) instead of merging on the key.
   */
  replace?: true;
}

/** Columns several tables share, described once. */
/** The audience column's description: every defined audience, with what it needs consent to. */
const AUDIENCE_NAMES = `The audience (src/domain/audiences.ts): ${AUDIENCES.map((a) => `${a.name} (${a.purpose})`).join(', ')}.`;

const SHARED = {
  customer_id:
    'The stitched customer id (silver.identity_map); NULL when no known person (a guest order, a ticket without requester).',
  source: "The c360 source that sent it (a write key's source, a webhook provider, a batch file kind).",
  gross_usd:
    'Revenue before refunds, USD (DECIMAL(18,2)), valued at the ECB rate in force on the order date.',
  net_usd: 'Revenue after refunds (gross − refunds), USD.',
  country: "ISO-3166 alpha-2 country (geo-IP or the profile's address, normalized), NULL when unknown.",
  segment:
    'Customer segment: champions, loyal, needs_attention, at_risk (k-means on recency, frequency, monetary) or prospect (no revenue order yet).',
  scored_at: 'The scoring date (UTC): the last revenue order day of the data the models were fitted on.',
  model_version: 'The model version that produced the row (models/<version>/ and c360 models list).',
} as const;

const c = (name: string, type: ColumnType, description: string, notNull = false): Column => ({
  name,
  type,
  description,
  ...(notNull ? { notNull } : {}),
});

export const WAREHOUSE_TABLES: WarehouseTable[] = [
  {
    schema: 'gold',
    name: 'fact_orders',
    description: 'One row per order (provider:order id), its latest state; revenue only when paid.',
    columns: [
      c(
        'order_key',
        'varchar',
        "provider:order id, the order's unique key (a Stripe PaymentIntent, a Shopify order id).",
        true,
      ),
      c('order_id', 'varchar', 'The order id exactly as the provider sent it.'),
      c('provider', 'varchar', 'Where the order came from (stripe, shopify, segment, a batch order file).'),
      c('customer_id', 'varchar', SHARED.customer_id),
      c('ordered_at', 'timestamp', 'When the order was placed (UTC).'),
      c('order_date', 'date', "The order's date (UTC): the sort key and the dashboards' time filter."),
      c('source', 'varchar', SHARED.source),
      c(
        'status',
        'varchar',
        "The order's latest state: paid, pending, authorized, failed, cancelled or voided.",
      ),
      c('is_revenue', 'boolean', 'True when the latest state is paid: only these count as revenue.'),
      c('currency', 'varchar', 'ISO-4217 currency the order was paid in.'),
      c('amount_minor', 'bigint', "The amount in the currency's minor units (cents; yen have none), exact."),
      c('amount_usd', 'money', 'The amount in USD at the rate of the order date.'),
      c('item_count', 'int', 'Number of line items.'),
      c('gross_usd', 'money', SHARED.gross_usd),
      c(
        'refunded_usd',
        'money',
        'Refunds counted once each by refund id (failed or cancelled ones excluded), USD.',
      ),
      c('net_usd', 'money', SHARED.net_usd),
    ],
    key: ['order_key'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['order_date', 'customer_id'],
    source: { gold: 'fact_orders', dateExpr: 'dt' },
  },
  {
    schema: 'gold',
    name: 'fact_sessions',
    description: 'One row per web/mobile session (bots excluded).',
    columns: [
      c(
        'session_id',
        'varchar',
        "Session id: a hash of the customer (or device) key and the session's number; a session ends after 30 minutes without an event.",
        true,
      ),
      c('customer_id', 'varchar', SHARED.customer_id),
      c('started_at', 'timestamp', 'First event of the session (UTC).'),
      c('ended_at', 'timestamp', 'Last event of the session (UTC).'),
      c('session_date', 'date', "The session's start date (UTC)."),
      c('events', 'bigint', 'Events in the session.'),
      c('source', 'varchar', SHARED.source),
      c(
        'device_type',
        'varchar',
        'desktop, mobile, tablet, tv, console, wearable, bot or other (from the user agent).',
      ),
      c(
        'referrer_class',
        'varchar',
        'Where the session came from: direct, internal, search, social, email, paid or referral.',
      ),
      c('campaign_source', 'varchar', 'utm_source of the first event, when tagged.'),
      c('country', 'varchar', SHARED.country),
      c('duration_s', 'double', 'Seconds from the first to the last event.'),
      c('converted', 'int', '1 when the customer placed a revenue order during the session.'),
    ],
    key: ['session_id'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['session_date'],
    source: { gold: 'fact_sessions', dateExpr: 'CAST(session_date AS STRING)' },
  },
  {
    schema: 'gold',
    name: 'fact_support_tickets',
    description: 'One row per support ticket, latest state, CSAT when rated.',
    columns: [
      c('ticket_id', 'varchar', "The support tool's ticket id, as sent.", true),
      c('customer_id', 'varchar', SHARED.customer_id),
      c('created_at', 'timestamp', 'When the ticket was opened (UTC).'),
      c('solved_at', 'timestamp', 'When it was solved or closed (UTC), NULL while open.'),
      c('status', 'varchar', 'open, pending, solved or closed.'),
      c('priority', 'varchar', "The ticket's priority as the support tool sets it."),
      c('csat_score', 'double', 'Customer satisfaction: 1 good, 0 bad, NULL when not rated.'),
      c('updates', 'bigint', 'Number of ticket events received.'),
    ],
    key: ['ticket_id'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['created_at'],
    source: {
      gold: 'fact_support_tickets',
      dateExpr: 'substr(CAST(coalesce(created_at, first_seen_at) AS STRING), 1, 10)',
    },
  },
  {
    schema: 'gold',
    name: 'fact_ad_attribution',
    description: 'One row per ad-network postback (install, event, conversion) with cost and revenue.',
    columns: [
      c('event_id', 'varchar', "The postback's event key (namespaced by network).", true),
      c('customer_id', 'varchar', SHARED.customer_id),
      c('attributed_at', 'timestamp', 'When the install or event was attributed (UTC).'),
      c('attributed_date', 'date', 'Its date (UTC).'),
      c('network', 'varchar', 'The ad network (appsflyer, adjust, …).'),
      c(
        'action',
        'varchar',
        'install, reattribution, session, click, impression, uninstall, in_app_event or conversion.',
      ),
      c('media_source', 'varchar', 'The media source the network credits.'),
      c('campaign', 'varchar', 'The campaign name the network reports.'),
      c('cost_usd', 'money', 'Cost reported by the network, USD.'),
      c('revenue_usd', 'money', 'Revenue reported by the network, USD.'),
    ],
    key: ['event_id'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['attributed_date'],
    source: { gold: 'fact_ad_attribution', dateExpr: 'dt' },
  },
  {
    schema: 'gold',
    name: 'dim_customer',
    description:
      'The Customer 360 profile, type-2 history: a new version when the segment, lifecycle stage or country changes.',
    columns: [
      c('customer_key', 'varchar', 'Surrogate key of this version of the profile (type-2).', true),
      c('customer_id', 'varchar', SHARED.customer_id, true),
      c('valid_from', 'timestamp', 'When this version took effect (UTC).', true),
      c('valid_to', 'timestamp', 'When it was superseded (UTC), NULL for the current version.'),
      c('is_current', 'boolean', 'True for the current version of the profile.', true),
      c('segment', 'varchar', SHARED.segment),
      c('lifecycle_stage', 'varchar', "The CRM lifecycle stage (HubSpot lifecyclestage or the CRM file's)."),
      c('country', 'varchar', SHARED.country),
      c('first_seen_at', 'timestamp', 'First event of any key of the customer (UTC).'),
      c('last_seen_at', 'timestamp', 'Latest event (UTC).'),
      c('identity_keys', 'bigint', 'Number of identity keys stitched into the customer.'),
      c('sources', 'bigint', 'Number of distinct sources that know the customer.'),
      c('orders', 'bigint', 'Number of revenue orders.'),
      c('gross_usd', 'money', SHARED.gross_usd),
      c('refunds_usd', 'money', 'Refunds over all orders, USD.'),
      c('net_usd', 'money', SHARED.net_usd),
      c('first_order_at', 'timestamp', 'First revenue order (UTC).'),
      c('last_order_at', 'timestamp', 'Latest revenue order (UTC).'),
      c('tickets', 'bigint', 'Support tickets opened.'),
      c('csat', 'double', 'Share of rated tickets rated good (0–1).'),
      c(
        'avg_sentiment',
        'double',
        "Mean sentiment (−1 to 1) of the customer's social mentions and ticket text.",
      ),
      c('attributes', 'super', 'Latest traits, pseudonymized as in the lake (SUPER / JSON).'),
    ],
    key: ['customer_id'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['customer_id', 'valid_from'],
    source: { gold: 'dim_customer' },
    scd2: { tracked: ['segment', 'lifecycle_stage', 'country'] },
  },
  {
    schema: 'gold',
    name: 'dim_date',
    description: 'Calendar: one row per day the data covers.',
    columns: [
      c('date_key', 'date', 'The calendar day.', true),
      c('year', 'int', 'Calendar year.'),
      c('quarter', 'int', 'Calendar quarter (1–4).'),
      c('month', 'int', 'Month (1–12).'),
      c('day_of_week', 'int', 'Day of week, 0 Sunday … 6 Saturday.'),
      c('is_weekend', 'boolean', 'True on Saturday and Sunday.'),
    ],
    key: ['date_key'],
    dist: { style: 'ALL' },
    sortKey: ['date_key'],
    source: { generated: 'dim_date' },
  },
  {
    schema: 'gold',
    name: 'customer_scores',
    description:
      'Model scores per customer and scoring date (churn, segment, CLV) written back by the scoring step.',
    columns: [
      c('customer_id', 'varchar', SHARED.customer_id, true),
      c('scored_at', 'date', SHARED.scored_at, true),
      c(
        'churn_probability',
        'double',
        'P(no revenue order in the next 90 days), XGBoost on gold.churn_features.',
      ),
      c('segment', 'varchar', SHARED.segment),
      c(
        'clv_12m_usd',
        'money',
        "Expected value of the next 12 months' purchases (BG/NBD × Gamma-Gamma), USD.",
      ),
      c('p_alive', 'double', 'P(the customer is still active), BG/NBD.'),
      c('expected_purchases_90d', 'double', 'Expected purchase days in the next 90 days, BG/NBD.'),
      c('model_version', 'varchar', SHARED.model_version),
    ],
    key: ['customer_id', 'scored_at'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['scored_at'],
    source: { optionalGold: 'customer_scores' },
  },
  {
    schema: 'gold',
    name: 'customer_recommendations',
    description:
      'Top-5 products per customer and scoring date from co-purchase behaviour (item-to-item), written back by the scoring step.',
    columns: [
      c('customer_id', 'varchar', SHARED.customer_id, true),
      c('scored_at', 'date', SHARED.scored_at, true),
      c('rec_rank', 'int', 'Rank 1–5 of the recommendation.', true),
      c('product_id', 'varchar', 'The product recommended, id as in the order lines.'),
      c(
        'score',
        'double',
        "Item-to-item co-purchase similarity summed over the customer's products (popularity for a fill).",
      ),
      c(
        'reason',
        'varchar',
        'similar (co-purchased with what the customer bought) or popular (a fill when the history says too little).',
      ),
      c('model_version', 'varchar', SHARED.model_version),
    ],
    key: ['customer_id', 'scored_at', 'rec_rank'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['scored_at'],
    source: { optionalGold: 'customer_recommendations' },
  },
  {
    schema: 'gold',
    name: 'quarantine_daily',
    description:
      'Quarantined events per day, reason and source (Pipeline Health); the originals stay sealed in the lake.',
    columns: [
      c('dt', 'date', 'The day the events were quarantined (UTC).', true),
      c('reason', 'varchar', 'The quarantine reason code (docs/data-contract.md).', true),
      c('source', 'varchar', SHARED.source, true),
      c('events', 'bigint', 'Events quarantined for that reason and source that day.'),
    ],
    key: ['dt', 'reason', 'source'],
    dist: { style: 'ALL' },
    sortKey: ['dt'],
    source: { gold: 'quarantine_daily' },
  },
  {
    schema: 'gold',
    name: 'dq_row_flags',
    description:
      'Rows that break a row-level data quality rule, with the rule and why (Pipeline Health); the rows themselves are published as sent.',
    columns: [
      c('check_name', 'varchar', 'The row-level rule broken (refunds_within_amount, money_has_rate).', true),
      c('table_name', 'varchar', 'Where the row is (gold.fact_orders, silver.events).', true),
      c('row_key', 'varchar', "The row's key in that table (order_key, event_id).", true),
      c('detail', 'varchar', 'What breaks the rule, and what to do about it.'),
      c('dt', 'date', "The row's date (UTC)."),
    ],
    key: ['check_name', 'table_name', 'row_key'],
    dist: { style: 'ALL' },
    sortKey: ['dt'],
    source: { gold: 'dq_row_flags' },
    replace: true,
  },
  {
    schema: 'gold',
    name: 'customer_consent',
    description:
      "Each customer's current consent per purpose (marketing, advertising, personalization, analytics): their latest statement from any source. No row: no consent (opt-in).",
    columns: [
      c('customer_id', 'varchar', SHARED.customer_id, true),
      c(
        'purpose',
        'varchar',
        'marketing, advertising, personalization or analytics (config/consent.json).',
        true,
      ),
      c(
        'granted',
        'boolean',
        'True when the latest statement grants the purpose, false when it refuses or withdraws it.',
      ),
      c('stated_at', 'timestamp', 'When that statement was made (UTC).'),
      c('source', 'varchar', SHARED.source),
      c('event_id', 'varchar', 'The event that carried the statement (silver.events.event_id).'),
    ],
    key: ['customer_id', 'purpose'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['customer_id'],
    source: { gold: 'customer_consent' },
    replace: true,
  },
  {
    schema: 'gold',
    name: 'consent_history',
    description:
      "Every change of a customer's consent to a purpose, in order: what it became, what it was, when, from which source and event.",
    columns: [
      c('customer_id', 'varchar', SHARED.customer_id, true),
      c('purpose', 'varchar', 'marketing, advertising, personalization or analytics.', true),
      c('event_id', 'varchar', 'The event that carried the statement.', true),
      c('granted', 'boolean', 'The consent after the change.'),
      c('previously', 'boolean', 'The consent before it; NULL for the first statement.'),
      c('changed_at', 'timestamp', 'When the statement was made (UTC).'),
      c('source', 'varchar', SHARED.source),
    ],
    key: ['customer_id', 'purpose', 'event_id'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['changed_at'],
    source: { gold: 'consent_history' },
    replace: true,
  },
  {
    schema: 'gold',
    name: 'audience_members',
    description:
      "Who each audience holds after the last run (the lists marketing and ad tools receive): only customers whose consent covers the audience's purpose.",
    columns: [
      c('audience', 'varchar', AUDIENCE_NAMES, true),
      c('customer_id', 'varchar', SHARED.customer_id, true),
      c('purpose', 'varchar', 'The consent purpose the audience needs.'),
      c('consented_at', 'timestamp', 'When the customer gave that consent (their latest statement).'),
      c(
        'entered_on',
        'date',
        'The run date the customer entered the audience (kept while they stay; NULL: before this was recorded).',
      ),
      c('as_of', 'date', 'The run date of this membership.'),
    ],
    key: ['audience', 'customer_id'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['audience'],
    source: { gold: 'audience_members' },
    replace: true,
  },
  {
    schema: 'gold',
    name: 'audience_daily',
    description:
      "Each audience's size, entries and exits per run date (the Audiences dashboard): consented members only, as destinations receive them.",
    columns: [
      c('as_of', 'date', 'The run date.', true),
      c('audience', 'varchar', AUDIENCE_NAMES, true),
      c('purpose', 'varchar', 'The consent purpose the audience needs.'),
      c('size', 'bigint', 'Members after the run.'),
      c('entered', 'bigint', 'Customers who entered in the run.'),
      c(
        'exited',
        'bigint',
        'Customers who left in the run (the rule no longer holds, or consent withdrawn).',
      ),
    ],
    key: ['as_of', 'audience'],
    dist: { style: 'ALL' },
    sortKey: ['as_of'],
    source: { gold: 'audience_daily' },
    replace: true,
  },
  {
    schema: 'gold',
    name: 'realtime_minute',
    description:
      'Real-time tier: per 60-second tumbling window of arrival and stream shard, paid orders, revenue, active customers, events and late events (before deduplication).',
    columns: [
      c('window_start', 'timestamp', 'Start of the 60-second tumbling window of arrival (UTC).', true),
      c('shard_id', 'varchar', 'The stream shard the window counts.', true),
      c('events', 'bigint', 'Events that arrived in the window (before deduplication).'),
      c('late_events', 'bigint', 'Of those, events whose own time is outside the window.'),
      c('orders', 'bigint', 'Paid orders that arrived.'),
      c('active_customers', 'bigint', 'Distinct customers with an interactive event (capped).'),
      c(
        'customers_capped',
        'boolean',
        'True when the distinct count hit its cap (the count is a lower bound).',
      ),
      c('revenue_minor', 'super', 'Revenue of those orders in USD cents, exact.'),
      c('revenue_usd', 'money', 'The same in USD.'),
      c(
        'repeated_orders',
        'bigint',
        'Orders that arrived again in the window (a sender retry, a record delivered twice) and were not counted again.',
      ),
    ],
    key: ['window_start', 'shard_id'],
    dist: { style: 'AUTO' },
    sortKey: ['window_start'],
    source: { stream: 'realtime' },
  },
  {
    schema: 'gold',
    name: 'model_health',
    description:
      'Model health per scoring day: the drift (PSI) of each churn feature and of the churn score from what the live models were fitted on, and whether the run retrained.',
    columns: [
      c('run_date', 'date', 'The scoring day (the daily pipeline run).', true),
      c('check_name', 'varchar', 'feature:<name> (a churn feature) or score:churn_probability.', true),
      c(
        'psi',
        'double',
        'Population stability index against the fit-time distribution (decile bins): under 0.1 stable, over 0.25 a significant shift.',
      ),
      c('threshold', 'double', 'The PSI over which the pipeline retrains and the ModelDriftAlarm fires.'),
      c('drifted', 'boolean', 'True when the PSI is over the threshold.'),
      c('retrained', 'boolean', 'True when the run started a retraining (drift, or no live model).'),
      c('churn_version', 'varchar', 'The live churn model version that scored the day.'),
      c('customer_version', 'varchar', 'The live customer models version (CLV, P(alive), segments).'),
    ],
    key: ['run_date', 'check_name'],
    dist: { style: 'ALL' },
    sortKey: ['run_date'],
    source: { modelHealth: 'models/health' },
  },
  {
    schema: 'gold',
    name: 'load_audit',
    description: 'One row per table load: when, which dates, rows loaded and rows in the table after.',
    columns: [
      c('table_name', 'varchar', 'The warehouse table loaded.', true),
      c('loaded_at', 'timestamp', 'When the load committed (UTC).', true),
      c('date_from', 'date', "First date of the load's range."),
      c('date_to', 'date', 'Last date of the range.'),
      c('rows_loaded', 'bigint', 'Rows the load merged.'),
      c('rows_in_table', 'bigint', 'Rows in the table after the load.'),
    ],
    key: ['table_name', 'loaded_at'],
    dist: { style: 'ALL' },
    sortKey: ['loaded_at'],
    source: { generated: 'load_audit' },
  },
];

export const REDSHIFT: Record<ColumnType, string> = {
  varchar: 'VARCHAR(512)',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE PRECISION',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  money: 'DECIMAL(18,2)',
  super: 'SUPER',
};
export const DUCKDB: Record<ColumnType, string> = {
  varchar: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  money: 'DECIMAL(18,2)',
  super: 'JSON',
};

const cols = (t: WarehouseTable, types: Record<ColumnType, string>) =>
  t.columns.map((col) => `  ${col.name} ${types[col.type]}${col.notNull ? ' NOT NULL' : ''}`);

/** Redshift DDL: ENCODE AUTO, distribution and compound sort key from the model. */
export function redshiftDdl(t: WarehouseTable): string {
  const dist = t.dist.style === 'KEY' ? `DISTSTYLE KEY DISTKEY (${t.dist.key})` : `DISTSTYLE ${t.dist.style}`;
  return `CREATE TABLE IF NOT EXISTS ${t.schema}.${t.name} (\n${cols(t, REDSHIFT).join(',\n')},\n  PRIMARY KEY (${t.scd2 ? 'customer_key' : t.key.join(', ')})\n)\n${dist}\nCOMPOUND SORTKEY (${t.sortKey.join(', ')})\nENCODE AUTO;\n`;
}

/** DuckDB DDL for the embedded warehouse (same columns; DECIMAL money; JSON for SUPER). */
export function duckdbDdl(t: WarehouseTable): string {
  return `CREATE TABLE IF NOT EXISTS ${t.schema}.${t.name} (\n${cols(t, DUCKDB).join(',\n')}\n);\n`;
}

const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The table's and its columns' descriptions as COMMENT statements (Redshift and DuckDB share the
 * syntax): what the SQL clients and the catalog views (SVV_ALL_COLUMNS, duckdb_columns) show.
 */
export function commentStatements(t: WarehouseTable): string[] {
  const table = `${t.schema}.${t.name}`;
  return [
    `COMMENT ON TABLE ${table} IS ${quoted(t.description)}`,
    ...t.columns.map((col) => `COMMENT ON COLUMN ${table}.${col.name} IS ${quoted(col.description)}`),
  ];
}

/** The staging twin a load COPYs into (same columns, no constraints). */
export function stagingName(t: WarehouseTable): string {
  return `staging.${t.name}`;
}

export function stagingDdl(t: WarehouseTable, engine: 'redshift' | 'duckdb'): string {
  const types = engine === 'redshift' ? REDSHIFT : DUCKDB;
  const body = t.columns.map((col) => `  ${col.name} ${types[col.type]}`).join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${stagingName(t)} (\n${body}\n)${engine === 'redshift' ? '\nDISTSTYLE AUTO ENCODE AUTO' : ''};\n`;
}

/**
 * How each warehouse column is computed from its gold table (default: the same name). The
 * embedded loader selects with it from gold Parquet; the export step renders it for the Parquet
 * files Redshift COPYs (same columns, same order as the table).
 */
/** An export expression, the same in both dialects or written per dialect. */
type Expr = string | { duckdb: string; spark: string };

const FROM_GOLD: Record<string, Record<string, Expr>> = {
  fact_orders: { order_date: 'CAST(dt AS DATE)' },
  fact_ad_attribution: { attributed_date: 'CAST(dt AS DATE)' },
  quarantine_daily: { dt: 'CAST(dt AS DATE)' },
  fact_support_tickets: { created_at: 'coalesce(created_at, first_seen_at)' },
  dim_customer: {
    customer_key: "concat(g.customer_id, '@')",
    valid_from: 'CAST(NULL AS TIMESTAMP)',
    valid_to: 'CAST(NULL AS TIMESTAMP)',
    is_current: 'true',
    segment: 'r.segment',
    customer_id: 'g.customer_id',
    gross_usd: 'g.gross_usd',
    refunds_usd: 'g.refunds_usd',
    net_usd: 'g.net_usd',
    attributes: {
      duckdb:
        "CAST(json_object('has_web', g.has_web, 'has_mobile', g.has_mobile, 'in_crm', g.in_crm, 'last_campaign', g.last_campaign, 'social_mentions', g.social_mentions) AS VARCHAR)",
      spark:
        "to_json(named_struct('has_web', g.has_web, 'has_mobile', g.has_mobile, 'in_crm', g.in_crm, 'last_campaign', g.last_campaign, 'social_mentions', g.social_mentions))",
    },
  },
};

/** The engine an export SELECT runs on: DuckDB (embedded) or Spark (the Glue job's exports). */
export type Dialect = 'duckdb' | 'spark';

/** The gold table a warehouse table loads from (required or optional), or null for other sources. */
export function goldSource(t: WarehouseTable): string | null {
  return 'gold' in t.source ? t.source.gold : 'optionalGold' in t.source ? t.source.optionalGold : null;
}

/** Each column's DuckDB type (the embedded warehouse's, and what gold files are typed as). */
export function duckdbColumnTypes(t: WarehouseTable): Record<string, string> {
  return Object.fromEntries(t.columns.map((c) => [c.name, DUCKDB[c.type]]));
}

/** Spark's type for each column type: what the Parquet export carries into Redshift's COPY. */
const SPARK_TYPES: Record<ColumnType, string> = {
  varchar: 'STRING',
  bigint: 'BIGINT',
  int: 'INT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  money: 'DECIMAL(18,2)',
  super: 'STRING',
};

/**
 * SELECT producing the table's columns (in order) from the relation holding its gold table
 * (`relation` names a gold table's relation: its view embedded, its step's view in Spark). In
 * Spark every column is cast to the warehouse type, so the Parquet the Glue job writes has the
 * types Redshift's COPY expects.
 */
export function exportSelect(
  t: WarehouseTable,
  relation: string | ((gold: string) => string),
  where?: string,
  dialect: Dialect = 'duckdb',
): string {
  const rel = typeof relation === 'string' ? () => relation : relation;
  const goldName = goldSource(t) ?? t.name;
  const map = FROM_GOLD[t.name] ?? {};
  const exprs = t.columns.map((col) => {
    const e = map[col.name] ?? col.name;
    const expr = typeof e === 'string' ? e : e[dialect];
    return dialect === 'spark'
      ? `CAST(${expr} AS ${SPARK_TYPES[col.type]}) AS ${col.name}`
      : `${expr} AS ${col.name}`;
  });
  const from =
    t.name === 'dim_customer'
      ? `${rel(goldName)} g LEFT JOIN ${rel('customer_rfm')} r ON r.customer_id = g.customer_id`
      : rel(goldName);
  return `SELECT ${exprs.join(', ')} FROM ${from}${where ? ` WHERE ${where}` : ''}`;
}

/**
 * What the Glue job exports for the warehouse after each run (sql/warehouse/exports.json): every
 * table loaded from a gold table the ETL writes, its Spark SELECT, and where it goes:
 * `export/<table>/dt=<run date>/` as Parquet with a Redshift COPY manifest beside it, which the
 * load steps read. Whole tables, as the embedded load reads them: a run's events may land on any
 * event date (late and backdated ones), and the merge makes a reload of unchanged rows a no-op.
 */
export function exportPlan(): { table: string; gold: string; sql: string }[] {
  return WAREHOUSE_TABLES.flatMap((t) => {
    const gold = goldSource(t);
    // customer_scores: written by the scoring Map (its own files and manifest), not by the ETL.
    if (!gold || gold === 'customer_scores') return [];
    return [{ table: t.name, gold, sql: exportSelect(t, (g) => g, undefined, 'spark') }];
  });
}

/**
 * The merge of a loaded staging table into its target, as one transaction's statements (the
 * caller wraps them: BEGIN/COMMIT embedded, BatchExecuteStatement on Redshift). Portable SQL
 * both engines run: DELETE … USING, INSERT … SELECT with a row_number dedupe, UPDATE … FROM.
 * Loading the same rows twice changes nothing.
 */
export function mergeStatements(t: WarehouseTable, loadedAt: string): string[] {
  const target = `${t.schema}.${t.name}`;
  const staging = stagingName(t);
  const names = t.columns.map((col) => col.name);
  const dedup = `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ${t.key.join(', ')} ORDER BY ${t.key.join(', ')}) AS rn__ FROM ${staging}) d WHERE rn__ = 1`;
  if (t.replace) {
    return [
      `DELETE FROM ${target}`,
      `INSERT INTO ${target} (${names.join(', ')}) SELECT ${names.join(', ')} FROM (${dedup}) x`,
      `DELETE FROM ${staging}`,
    ];
  }
  if (!t.scd2) {
    const on = t.key.map((k) => `${target}.${k} = s.${k}`).join(' AND ');
    return [
      `DELETE FROM ${target} USING ${staging} s WHERE ${on}`,
      `INSERT INTO ${target} (${names.join(', ')}) SELECT ${names.join(', ')} FROM (${dedup}) x`,
      `DELETE FROM ${staging}`,
    ];
  }
  const ts = `CAST('${loadedAt}' AS TIMESTAMP)`;
  const changed = t.scd2.tracked
    .map((a) => `coalesce(${target}.${a}, '') <> coalesce(s.${a}, '')`)
    .join(' OR ');
  const scd = new Set([
    'customer_key',
    'customer_id',
    'valid_from',
    'valid_to',
    'is_current',
    ...t.scd2.tracked,
  ]);
  const type1 = names.filter((n) => !scd.has(n));
  const keyNames = names.map((n) =>
    n === 'customer_key'
      ? `concat(s.customer_id, concat('@', '${loadedAt}')) AS customer_key`
      : n === 'valid_from'
        ? `${ts} AS valid_from`
        : n === 'valid_to'
          ? 'CAST(NULL AS TIMESTAMP) AS valid_to'
          : n === 'is_current'
            ? 'true AS is_current'
            : `s.${n}`,
  );
  return [
    // A tracked attribute changed: the current version closes...
    `UPDATE ${target} SET valid_to = ${ts}, is_current = false FROM (${dedup}) s WHERE ${target}.customer_id = s.customer_id AND ${target}.is_current AND (${changed})`,
    // ...metrics of the versions still current are refreshed in place (type 1)...
    `UPDATE ${target} SET ${type1.map((n) => `${n} = s.${n}`).join(', ')} FROM (${dedup}) s WHERE ${target}.customer_id = s.customer_id AND ${target}.is_current`,
    // ...and customers with no current version (new, or just closed) get one.
    `INSERT INTO ${target} (${names.join(', ')}) SELECT ${keyNames.join(', ')} FROM (${dedup}) s LEFT JOIN ${target} d ON d.customer_id = s.customer_id AND d.is_current WHERE d.customer_id IS NULL`,
    `DELETE FROM ${staging}`,
  ];
}

/** The whole warehouse DDL for one engine (the golden files under sql/warehouse/ddl/). */
export function warehouseDdl(engine: 'redshift' | 'duckdb'): string {
  const header = `-- Generated from src/domain/warehouse/model.ts by scripts/gen-reference.ts: do not edit.\nCREATE SCHEMA IF NOT EXISTS gold;\nCREATE SCHEMA IF NOT EXISTS staging;\nCREATE SCHEMA IF NOT EXISTS reporting;\n`;
  const tables = WAREHOUSE_TABLES.map(
    (t) =>
      `\n-- ${t.schema}.${t.name}: ${t.description}\n${engine === 'redshift' ? redshiftDdl(t) : duckdbDdl(t)}${commentStatements(
        t,
      )
        .map((x) => `${x};\n`)
        .join('')}${stagingDdl(t, engine)}`,
  );
  return header + tables.join('');
}
