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
    | { stream: 'realtime' };
  /** Type-2 history: tracked attributes open a new version when they change. */
  scd2?: { tracked: string[] };
}

const c = (name: string, type: ColumnType, notNull = false): Column => ({
  name,
  type,
  ...(notNull ? { notNull } : {}),
});

export const WAREHOUSE_TABLES: WarehouseTable[] = [
  {
    schema: 'gold',
    name: 'fact_orders',
    description: 'One row per order (provider:order id), its latest state; revenue only when paid.',
    columns: [
      c('order_key', 'varchar', true),
      c('order_id', 'varchar'),
      c('provider', 'varchar'),
      c('customer_id', 'varchar'),
      c('ordered_at', 'timestamp'),
      c('order_date', 'date'),
      c('source', 'varchar'),
      c('status', 'varchar'),
      c('is_revenue', 'boolean'),
      c('currency', 'varchar'),
      c('amount_minor', 'bigint'),
      c('amount_usd', 'money'),
      c('item_count', 'int'),
      c('gross_usd', 'money'),
      c('refunded_usd', 'money'),
      c('net_usd', 'money'),
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
      c('session_id', 'varchar', true),
      c('customer_id', 'varchar'),
      c('started_at', 'timestamp'),
      c('ended_at', 'timestamp'),
      c('session_date', 'date'),
      c('events', 'bigint'),
      c('source', 'varchar'),
      c('device_type', 'varchar'),
      c('referrer_class', 'varchar'),
      c('campaign_source', 'varchar'),
      c('country', 'varchar'),
      c('duration_s', 'double'),
      c('converted', 'int'),
    ],
    key: ['session_id'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['session_date'],
    source: { gold: 'fact_sessions', dateExpr: 'CAST(session_date AS VARCHAR)' },
  },
  {
    schema: 'gold',
    name: 'fact_support_tickets',
    description: 'One row per support ticket, latest state, CSAT when rated.',
    columns: [
      c('ticket_id', 'varchar', true),
      c('customer_id', 'varchar'),
      c('created_at', 'timestamp'),
      c('solved_at', 'timestamp'),
      c('status', 'varchar'),
      c('priority', 'varchar'),
      c('csat_score', 'double'),
      c('updates', 'bigint'),
    ],
    key: ['ticket_id'],
    dist: { style: 'KEY', key: 'customer_id' },
    sortKey: ['created_at'],
    source: {
      gold: 'fact_support_tickets',
      dateExpr: 'substr(CAST(coalesce(created_at, first_seen_at) AS VARCHAR), 1, 10)',
    },
  },
  {
    schema: 'gold',
    name: 'fact_ad_attribution',
    description: 'One row per ad-network postback (install, event, conversion) with cost and revenue.',
    columns: [
      c('event_id', 'varchar', true),
      c('customer_id', 'varchar'),
      c('attributed_at', 'timestamp'),
      c('attributed_date', 'date'),
      c('network', 'varchar'),
      c('action', 'varchar'),
      c('media_source', 'varchar'),
      c('campaign', 'varchar'),
      c('cost_usd', 'money'),
      c('revenue_usd', 'money'),
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
      c('customer_key', 'varchar', true),
      c('customer_id', 'varchar', true),
      c('valid_from', 'timestamp', true),
      c('valid_to', 'timestamp'),
      c('is_current', 'boolean', true),
      c('segment', 'varchar'),
      c('lifecycle_stage', 'varchar'),
      c('country', 'varchar'),
      c('first_seen_at', 'timestamp'),
      c('last_seen_at', 'timestamp'),
      c('identity_keys', 'bigint'),
      c('sources', 'bigint'),
      c('orders', 'bigint'),
      c('gross_usd', 'money'),
      c('refunds_usd', 'money'),
      c('net_usd', 'money'),
      c('first_order_at', 'timestamp'),
      c('last_order_at', 'timestamp'),
      c('tickets', 'bigint'),
      c('csat', 'double'),
      c('avg_sentiment', 'double'),
      c('attributes', 'super'),
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
      c('date_key', 'date', true),
      c('year', 'int'),
      c('quarter', 'int'),
      c('month', 'int'),
      c('day_of_week', 'int'),
      c('is_weekend', 'boolean'),
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
      c('customer_id', 'varchar', true),
      c('scored_at', 'date', true),
      c('churn_probability', 'double'),
      c('segment', 'varchar'),
      c('clv_12m_usd', 'money'),
      c('p_alive', 'double'),
      c('expected_purchases_90d', 'double'),
      c('model_version', 'varchar'),
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
      c('customer_id', 'varchar', true),
      c('scored_at', 'date', true),
      c('rec_rank', 'int', true),
      c('product_id', 'varchar'),
      c('score', 'double'),
      c('reason', 'varchar'),
      c('model_version', 'varchar'),
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
      c('dt', 'date', true),
      c('reason', 'varchar', true),
      c('source', 'varchar', true),
      c('events', 'bigint'),
    ],
    key: ['dt', 'reason', 'source'],
    dist: { style: 'ALL' },
    sortKey: ['dt'],
    source: { gold: 'quarantine_daily' },
  },
  {
    schema: 'gold',
    name: 'realtime_minute',
    description:
      'Real-time tier: per 60-second tumbling window of arrival and stream shard, paid orders, revenue, active customers, events and late events (before deduplication).',
    columns: [
      c('window_start', 'timestamp', true),
      c('shard_id', 'varchar', true),
      c('events', 'bigint'),
      c('late_events', 'bigint'),
      c('orders', 'bigint'),
      c('active_customers', 'bigint'),
      c('customers_capped', 'boolean'),
      c('revenue_minor', 'super'),
      c('revenue_usd', 'money'),
    ],
    key: ['window_start', 'shard_id'],
    dist: { style: 'AUTO' },
    sortKey: ['window_start'],
    source: { stream: 'realtime' },
  },
  {
    schema: 'gold',
    name: 'load_audit',
    description: 'One row per table load: when, which dates, rows loaded and rows in the table after.',
    columns: [
      c('table_name', 'varchar', true),
      c('loaded_at', 'timestamp', true),
      c('date_from', 'date'),
      c('date_to', 'date'),
      c('rows_loaded', 'bigint'),
      c('rows_in_table', 'bigint'),
    ],
    key: ['table_name', 'loaded_at'],
    dist: { style: 'ALL' },
    sortKey: ['loaded_at'],
    source: { generated: 'load_audit' },
  },
];

const REDSHIFT: Record<ColumnType, string> = {
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
const DUCKDB: Record<ColumnType, string> = {
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
const FROM_GOLD: Record<string, Record<string, string>> = {
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
    attributes:
      "CAST(json_object('has_web', g.has_web, 'has_mobile', g.has_mobile, 'in_crm', g.in_crm, 'last_campaign', g.last_campaign, 'social_mentions', g.social_mentions) AS VARCHAR)",
  },
};

/** SELECT producing the table's columns (in order) from a relation holding its gold table. */
export function exportSelect(t: WarehouseTable, goldRelation: string, where?: string): string {
  const map = FROM_GOLD[t.name] ?? {};
  const exprs = t.columns.map((col) => `${map[col.name] ?? col.name} AS ${col.name}`);
  const from =
    t.name === 'dim_customer'
      ? `${goldRelation} g LEFT JOIN gold_customer_rfm r ON r.customer_id = g.customer_id`
      : goldRelation;
  return `SELECT ${exprs.join(', ')} FROM ${from}${where ? ` WHERE ${where}` : ''}`;
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
      `\n-- ${t.schema}.${t.name}: ${t.description}\n${engine === 'redshift' ? redshiftDdl(t) : duckdbDdl(t)}${stagingDdl(t, engine)}`,
  );
  return header + tables.join('');
}
