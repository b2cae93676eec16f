import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listFiles } from '../adapters/local/files';
import { C360Error } from '../domain/errors';
import { projectRoot } from '../paths';
import { type Engine, lit, openDuckDb } from './duckdb';

/**
 * Runs the ETL plan (sql/pipeline.json) embedded with DuckDB: bronze (gzip NDJSON) → silver and
 * gold (Parquet) in the lake folder. The Glue job (glue/run_sql.py) runs the same plan and SQL
 * files with Spark. Partitioned steps rewrite only the dt partitions of the run's range; table
 * steps are rebuilt in full from silver (identity and profiles are global). Reruns are idempotent.
 */
export interface PipelineStep {
  name: string;
  layer: 'silver' | 'gold';
  kind: 'partitioned' | 'table' | 'temp' | 'iterate' | 'check';
  sql: string;
  step?: string;
  path?: string;
}

export class DataQualityError extends C360Error {
  constructor(
    readonly check: string,
    readonly failures: number,
    /** What the check asserts (the SQL file's leading comment). */
    readonly rule = '',
  ) {
    super(
      `data quality check ${check} failed: ${failures} offending row(s)${rule ? ` (rule: ${rule})` : ''}`,
    );
  }
}

/** The leading `--` comment of a SQL file, as one line. */
function leadingComment(sql: string): string {
  const lines: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    lines.push(line.replace(/^--\s?/, '').trim());
  }
  return lines.join(' ');
}

export interface StepReport {
  name: string;
  kind: PipelineStep['kind'];
  rows: number;
  ms: number;
  iterations?: number;
}

export interface EtlReport {
  from: string;
  to: string;
  bronzeFiles: number;
  steps: StepReport[];
  ms: number;
}

export interface EtlOptions {
  lakeDir: string;
  from: string;
  to: string;
  layers?: ('silver' | 'gold')[];
  onProgress?: (message: string) => void;
  engine?: Engine;
  threads?: number;
  memoryLimit?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function loadPlan(root = projectRoot()): Promise<PipelineStep[]> {
  const plan = JSON.parse(await readFile(join(root, 'sql', 'pipeline.json'), 'utf8')) as {
    steps: PipelineStep[];
  };
  return plan.steps;
}

/** Fills ${from} / ${to}; any other ${…} left is a bug in the SQL file. */
export function renderSql(sql: string, params: Record<string, string>, file: string): string {
  return sql.replace(/\$\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined) throw new C360Error(`${file}: unknown parameter \${${k}}`);
    return v;
  });
}

/** Bronze files under <lake>/bronze/events/source=*\/event_type=*\/dt=*\/hour=*\/, optionally only dt in range. */
export async function bronzeFiles(lakeDir: string, range?: { from: string; to: string }): Promise<string[]> {
  const inRange = (name: string, depth: number) => {
    if (depth !== 2 || !range) return true;
    const dt = name.slice(3);
    return name.startsWith('dt=') && dt >= range.from && dt <= range.to;
  };
  return listFiles(join(lakeDir, 'bronze', 'events'), '.ndjson.gz', inRange);
}

/**
 * The bronze columns the SQL reads, typed: the canonical fields the silver SQL uses are read
 * straight out of the JSON into struct fields (one parse per line; everything as text, cast in
 * SQL where the canonical schema guarantees the type). The Glue job declares the same schema.
 */
const PROPERTY_FIELDS = [
  'action',
  'amount',
  'campaign',
  'contactId',
  'costAmount',
  'costCurrency',
  'currency',
  'itemCount',
  'lifecycleStage',
  'mediaSource',
  'mentionId',
  'network',
  'orderId',
  'platform',
  'priority',
  'revenueAmount',
  'revenueCurrency',
  'satisfaction',
  'satisfactionScore',
  'sentiment',
  'sentimentScore',
  'status',
  'ticketId',
];
const BRONZE_COLUMNS: Record<string, string> = {
  eventId: 'VARCHAR',
  type: 'VARCHAR',
  event: 'VARCHAR',
  source: 'VARCHAR',
  kind: 'VARCHAR',
  userId: 'VARCHAR',
  anonymousId: 'VARCHAR',
  receivedAt: 'VARCHAR',
  timestamp: 'VARCHAR',
  properties: `STRUCT(${PROPERTY_FIELDS.map((f) => `"${f}" VARCHAR`).join(', ')})`,
  traits: 'STRUCT(country VARCHAR)',
  identities: 'STRUCT(type VARCHAR, value VARCHAR)[]',
  enrichment:
    'STRUCT(ua STRUCT(browser VARCHAR, deviceType VARCHAR, os VARCHAR), geo STRUCT(country VARCHAR), ' +
    'campaign STRUCT(source VARCHAR, medium VARCHAR, name VARCHAR, referrerClass VARCHAR))',
  flags: 'STRUCT(bot VARCHAR, late VARCHAR)',
};

/** Registers the engine-specific sources the SQL files read (the Glue job defines the same ones). */
async function registerSources(engine: Engine, files: string[], root: string): Promise<void> {
  const cols = `{${Object.entries(BRONZE_COLUMNS)
    .map(([k, v]) => `${lit(k)}: ${lit(v)}`)
    .join(', ')}}`;
  const raw =
    files.length > 0
      ? `read_json([${files.map(lit).join(', ')}], format = 'newline_delimited', columns = ${cols})`
      : `(SELECT ${Object.entries(BRONZE_COLUMNS)
          .map(([k, v]) => `CAST(NULL AS ${v}) AS "${k}"`)
          .join(', ')} WHERE false)`;
  await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_raw AS SELECT * FROM ${raw}`);
  await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_events AS
    SELECT eventId AS event_id, type AS event_type, event, source, kind, userId AS user_id,
      anonymousId AS anonymous_id, CAST(receivedAt AS TIMESTAMP) AS received_at,
      CAST("timestamp" AS TIMESTAMP) AS ts, substr("timestamp", 1, 10) AS dt,
      properties, traits, enrichment, flags
    FROM bronze_raw`);
  await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_identities AS
    SELECT eventId AS event_id, substr("timestamp", 1, 10) AS dt, i.type AS id_type, i.value AS id_value
    FROM (SELECT eventId, "timestamp", unnest(identities) AS i FROM bronze_raw)`);
  for (const name of ['currency_rates', 'countries']) {
    await engine.run(`CREATE OR REPLACE TEMP VIEW ref_${name} AS
      SELECT * FROM read_csv(${lit(join(root, 'sql', 'reference', `${name}.csv`))}, header = true)`);
  }
}

async function registerPartitioned(
  engine: Engine,
  name: string,
  dir: string,
  template: string,
): Promise<void> {
  const hasFiles = existsSync(dir) && (await readdir(dir)).some((d) => d.startsWith('dt='));
  if (hasFiles) {
    await engine.run(
      `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM read_parquet(${lit(`${dir}/*/*.parquet`)}, hive_partitioning = true, hive_types = {'dt': VARCHAR})`,
    );
  } else {
    await engine.run(`CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM (${template}) WHERE false`);
  }
}

export async function runEtl(opts: EtlOptions): Promise<EtlReport> {
  if (!DATE.test(opts.from) || !DATE.test(opts.to) || opts.from > opts.to) {
    throw new C360Error(`the run needs --from <= --to as YYYY-MM-DD dates, got ${opts.from} .. ${opts.to}`);
  }
  const started = performance.now();
  const root = projectRoot();
  const plan = await loadPlan(root);
  const layers = new Set(opts.layers ?? ['silver', 'gold']);
  const engine =
    opts.engine ?? (await openDuckDb(':memory:', { threads: opts.threads, memoryLimit: opts.memoryLimit }));
  const progress = opts.onProgress ?? (() => {});
  const params = { from: opts.from, to: opts.to };
  const report: EtlReport = { from: opts.from, to: opts.to, bronzeFiles: 0, steps: [], ms: 0 };
  try {
    const files = await bronzeFiles(opts.lakeDir, { from: opts.from, to: opts.to });
    report.bronzeFiles = files.length;
    progress(`reading ${files.length} bronze file(s) for ${opts.from} .. ${opts.to}`);
    await registerSources(engine, files, root);

    for (const step of plan) {
      const t0 = performance.now();
      const sql = renderSql(await readFile(join(root, 'sql', step.sql), 'utf8'), params, step.sql);
      const target = step.path ? join(opts.lakeDir, step.path) : '';
      const skip = !layers.has(step.layer);
      let rows = 0;
      let iterations: number | undefined;
      if (step.kind === 'partitioned') {
        if (!skip) {
          await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name}__new AS ${sql}`);
          rows = Number(
            (await engine.rows<{ n: string }>(`SELECT count(*) AS n FROM ${step.name}__new`))[0]?.n ?? 0,
          );
          await mkdir(target, { recursive: true });
          for (const d of await readdir(target)) {
            const dt = d.slice(3);
            if (d.startsWith('dt=') && dt >= opts.from && dt <= opts.to)
              await rm(join(target, d), { recursive: true });
          }
          if (rows > 0) {
            await engine.run(
              `COPY ${step.name}__new TO ${lit(target)} (FORMAT parquet, PARTITION_BY (dt), OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'part_{i}')`,
            );
          }
        }
        await registerPartitioned(engine, step.name, target, `SELECT * FROM (${sql})`);
      } else if (step.kind === 'temp' || step.kind === 'table') {
        if (skip && step.path) {
          // A layer not being rebuilt: later steps read what an earlier run stored, if any.
          const stored = join(target, 'data.parquet');
          if (existsSync(stored)) {
            await engine.run(
              `CREATE OR REPLACE TEMP VIEW ${step.name} AS SELECT * FROM read_parquet(${lit(stored)})`,
            );
          }
        } else {
          await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name} AS ${sql}`);
          rows = Number(
            (await engine.rows<{ n: string }>(`SELECT count(*) AS n FROM ${step.name}`))[0]?.n ?? 0,
          );
          if (step.kind === 'table' && step.path) {
            await mkdir(target, { recursive: true });
            const tmp = join(target, '.data.parquet.tmp');
            await engine.run(
              `COPY (SELECT * FROM ${step.name} ORDER BY ALL) TO ${lit(tmp)} (FORMAT parquet)`,
            );
            await rename(tmp, join(target, 'data.parquet'));
          }
        }
      } else if (step.kind === 'iterate') {
        if (!step.step) throw new C360Error(`step ${step.name}: an iterate step needs "step"`);
        const stepSql = renderSql(await readFile(join(root, 'sql', step.step), 'utf8'), params, step.step);
        await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name} AS ${sql}`);
        iterations = 0;
        for (;;) {
          iterations++;
          await engine.run(`CREATE OR REPLACE TEMP TABLE ${step.name}__next AS ${stepSql}`);
          const changed = Number(
            (
              await engine.rows<{ n: string }>(
                `SELECT count(*) AS n FROM ${step.name}__next x JOIN ${step.name} o ON o.node = x.node WHERE o.label <> x.label`,
              )
            )[0]?.n ?? 0,
          );
          await engine.run(`DROP TABLE ${step.name}`);
          await engine.run(`ALTER TABLE ${step.name}__next RENAME TO ${step.name}`);
          if (changed === 0) break;
          if (iterations >= 50) throw new C360Error(`step ${step.name} did not converge in 50 iterations`);
        }
        rows = Number(
          (await engine.rows<{ n: string }>(`SELECT count(*) AS n FROM ${step.name}`))[0]?.n ?? 0,
        );
      } else if (step.kind === 'check') {
        if (!skip) {
          const failures = Number((await engine.rows<{ failures: string }>(sql))[0]?.failures ?? 0);
          if (failures > 0) throw new DataQualityError(step.name, failures, leadingComment(sql));
        }
      }
      const ms = Math.round(performance.now() - t0);
      report.steps.push({
        name: step.name,
        kind: step.kind,
        rows,
        ms,
        ...(iterations ? { iterations } : {}),
      });
      if (!skip) {
        progress(
          `${step.layer}.${step.name}: ${step.kind === 'check' ? 'ok' : `${rows} rows`}${iterations ? ` (${iterations} iterations)` : ''} in ${ms} ms`,
        );
      }
    }
  } finally {
    if (!opts.engine) engine.close();
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}
