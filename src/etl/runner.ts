import { existsSync } from 'node:fs';
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listFiles } from '../adapters/local/files';
import { FolderObjectStore } from '../adapters/local/object-store';
import { C360Error, DataQualityError } from '../domain/errors';
import { assertNoReprocessWriting } from '../domain/reprocess-journal';
import { projectRoot } from '../paths';
import { type Engine, lit, openDuckDb } from './duckdb';
import { codeVersion, planLineage, runEvents, writeRunEvents } from './lineage';
import { type EtlReport, loadPlan, loadPrevious, type PreviousSource, renderSql } from './plan';
import { publish, recoverInterruptedRuns, type Staged, stagingRoot, withLakeLock } from './publish';
import { referenceFile } from './reference';
import { salvageBronze } from './salvage';
import { EXECUTORS } from './steps';

/**
 * Runs the ETL plan (sql/pipeline.json) embedded with DuckDB: bronze (gzip NDJSON) → silver and
 * gold (Parquet) in the lake folder. The Glue job (glue/run_sql.py) runs the same plan and SQL
 * files with Spark. A run processes the events that arrived (bronze dt) in its range and merges
 * them into the event-date partitions of silver they touch; keyed steps (sessions) recompute the
 * keys the run touched and keep the rest; table steps are rebuilt in full from silver (identity
 * and profiles are global). Reruns are idempotent.
 */
export interface EtlOptions {
  lakeDir: string;
  from: string;
  to: string;
  layers?: ('silver' | 'gold')[];
  onProgress?: (message: string) => void;
  engine?: Engine;
  threads?: number;
  memoryLimit?: string;
  /** Identity hub guard: a key linking more account keys than this is not merged on (default 50). */
  hubLimit?: number;
  /**
   * Keyed steps (sessions) recompute every key, not only those the run touched (e.g. after a keyed
   * table was restored from a backup).
   */
  allKeys?: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * DuckDB's memory limit for an ETL run: what it may hold before spilling to disk. The process
 * needs about 1.3 GB more (Node, the parsed reference data, allocations outside the limit), so
 * 2.5 GB keeps a 10M-event run under 4 GiB resident (`npm run bench -- etl`).
 */
export const ETL_MEMORY_LIMIT = '2.5GB';

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
 * The bronze columns the SQL reads, typed, from sql/sources/bronze.json (the Glue job renders the
 * same file): canonical fields read straight out of the JSON into struct fields, one parse per line.
 */
type ColumnType = 'string' | { [field: string]: ColumnType } | [ColumnType];
export interface BronzeSource {
  eventKey: string;
  clientSide: string;
  columns: Record<string, ColumnType>;
}

export async function loadBronzeSource(root = projectRoot()): Promise<BronzeSource> {
  return JSON.parse(await readFile(join(root, 'sql', 'sources', 'bronze.json'), 'utf8')) as BronzeSource;
}

/** A bronze.json type as DuckDB spells it. */
export function duckdbType(t: ColumnType): string {
  if (t === 'string') return 'VARCHAR';
  if (Array.isArray(t)) return `${duckdbType(t[0])}[]`;
  return `STRUCT(${Object.entries(t)
    .map(([k, v]) => `"${k}" ${duckdbType(v)}`)
    .join(', ')})`;
}

/** Registers the engine-specific sources the SQL files read (the Glue job defines the same ones). */
async function registerSources(
  engine: Engine,
  files: string[],
  root: string,
  lakeDir: string,
  workDir: string,
  onParked: (lines: number) => void,
): Promise<void> {
  const source = await loadBronzeSource(root);
  const columns = Object.entries(source.columns).map(([k, t]) => [k, duckdbType(t)] as const);
  const eventKeySql = source.eventKey;
  const cols = `{${columns.map(([k, v]) => `${lit(k)}: ${lit(v)}`).join(', ')}}`;
  const read = (list: string[]) =>
    list.length > 0
      ? `read_json([${list.map(lit).join(', ')}], format = 'newline_delimited', columns = ${cols})`
      : `(SELECT ${columns.map(([k, v]) => `CAST(NULL AS ${v}) AS "${k}"`).join(', ')} WHERE false)`;
  // Parsed once: silver events, identities and order lines all read this table (the JSON parse is
  // the costliest part of reading bronze; a view would parse it once per consumer).
  try {
    await engine.run(`CREATE OR REPLACE TEMP TABLE bronze_raw AS SELECT * FROM ${read(files)}`);
  } catch (err) {
    // A line the engine cannot read: parked in quarantine, the rest of the day goes on.
    const salvaged = await salvageBronze({ engine, files, read, workDir, lakeDir, now: new Date() });
    if (salvaged.parked === 0) throw err;
    onParked(salvaged.parked);
    await engine.run(`CREATE OR REPLACE TEMP TABLE bronze_raw AS SELECT * FROM ${read(salvaged.files)}`);
  }
  await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_events AS
    SELECT ${eventKeySql} AS event_id, eventId AS source_event_id, type AS event_type, event, source, kind,
      userId AS user_id, anonymousId AS anonymous_id, CAST(receivedAt AS TIMESTAMP) AS received_at,
      CAST("timestamp" AS TIMESTAMP) AS ts, substr("timestamp", 1, 10) AS dt,
      substr(receivedAt, 1, 10) AS received_dt, properties, traits, enrichment, flags, context
    FROM bronze_raw`);
  await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_identities AS
    SELECT event_id, dt, received_dt, i.type AS id_type, i.value AS id_value, client_side
    FROM (SELECT ${eventKeySql} AS event_id, substr("timestamp", 1, 10) AS dt, substr(receivedAt, 1, 10) AS received_dt,
      ${source.clientSide} AS client_side, unnest(identities) AS i FROM bronze_raw)`);
  // One row per order line (line_no from 1, in the order the provider listed them).
  await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_order_lines AS
    SELECT event_id, dt, received_dt, received_at, items[line_no] AS line, line_no
    FROM (SELECT ${eventKeySql} AS event_id, substr("timestamp", 1, 10) AS dt, substr(receivedAt, 1, 10) AS received_dt,
      CAST(receivedAt AS TIMESTAMP) AS received_at, properties.items AS items,
      generate_subscripts(properties.items, 1) AS line_no
      FROM bronze_raw WHERE type = 'order_completed' AND len(properties.items) > 0)`);
  await engine.run(`CREATE OR REPLACE TEMP VIEW ref_currencies AS
    SELECT * FROM read_csv(${lit(referenceFile(lakeDir, root, 'currencies'))}, header = true)`);
  await engine.run(`CREATE OR REPLACE TEMP VIEW ref_currency_rates AS
    SELECT CAST(rate_date AS DATE) AS rate_date, upper(currency) AS currency, CAST(usd_per_unit AS DOUBLE) AS usd_per_unit
    FROM read_csv(${lit(referenceFile(lakeDir, root, 'currency_rates'))}, header = true, all_varchar = true)`);
  await engine.run(`CREATE OR REPLACE TEMP VIEW ref_countries AS
    SELECT * FROM read_csv(${lit(referenceFile(lakeDir, root, 'countries'))}, header = true)`);
}

/**
 * The quarantine records' clear fields (reason, source, when; the originals stay sealed), all of
 * them: gold.quarantine_daily counts them for Pipeline Health.
 */
async function registerQuarantine(engine: Engine, lakeDir: string): Promise<void> {
  const files = await listFiles(join(lakeDir, 'quarantine'), '.ndjson.gz');
  await engine.run(
    files.length > 0
      ? `CREATE OR REPLACE TEMP VIEW quarantine_events AS SELECT reason, source, quarantinedAt AS quarantined_at
         FROM read_json([${files.map(lit).join(', ')}], format = 'newline_delimited',
           columns = {reason: 'VARCHAR', source: 'VARCHAR', quarantinedAt: 'VARCHAR'})`
      : `CREATE OR REPLACE TEMP VIEW quarantine_events AS
         SELECT CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS source, CAST(NULL AS VARCHAR) AS quarantined_at WHERE false`,
  );
}

/**
 * What earlier runs stored, read before this run replaces anything: the silver event ids (for
 * global dedupe) and the previous identity map (for stable customer ids).
 */
async function registerPrior(engine: Engine, lakeDir: string, root: string): Promise<{ hasEvents: boolean }> {
  const events = join(lakeDir, 'silver', 'events');
  const hasEvents = existsSync(events) && (await readdir(events)).some((d) => d.startsWith('dt='));
  await engine.run(
    hasEvents
      ? `CREATE OR REPLACE TEMP TABLE silver_event_ids_prior AS SELECT event_id, dt, received_dt FROM read_parquet(${lit(`${events}/*/*.parquet`)}, hive_partitioning = true, hive_types = {'dt': VARCHAR})`
      : 'CREATE OR REPLACE TEMP TABLE silver_event_ids_prior (event_id VARCHAR, dt VARCHAR, received_dt VARCHAR)',
  );
  const map = join(lakeDir, 'silver', 'identity_map', 'data.parquet');
  await engine.run(
    'CREATE OR REPLACE TEMP TABLE identity_map_previous (node VARCHAR, customer_id VARCHAR, customer_since VARCHAR)',
  );
  if (existsSync(map)) {
    const cols = new Set(
      (
        await engine.rows<{ column_name: string }>(
          `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${lit(map)}))`,
        )
      ).map((r) => r.column_name),
    );
    // A map written before customer_since existed: its ids are kept, as equally old.
    const since = cols.has('customer_since') ? 'CAST(customer_since AS VARCHAR)' : "'0000-00-00'";
    await engine.run(
      `INSERT INTO identity_map_previous SELECT node, customer_id, ${since} FROM read_parquet(${lit(map)})`,
    );
  }
  for (const [name, source] of Object.entries(loadPrevious(root)))
    await registerPrevious(engine, lakeDir, name, source);
  return { hasEvents };
}

const DUCK_TYPES = {
  STRING: 'VARCHAR',
  DATE: 'DATE',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
};

/**
 * One `previous` source (sql/pipeline.json): the published table as read before this run, its
 * declared columns only (a column an older release did not write reads as NULL), or empty.
 */
async function registerPrevious(engine: Engine, lakeDir: string, name: string, source: PreviousSource) {
  const file = join(lakeDir, source.path, 'data.parquet');
  const present = existsSync(file)
    ? new Set(
        (
          await engine.rows<{ column_name: string }>(
            `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${lit(file)}))`,
          )
        ).map((r) => r.column_name),
      )
    : null;
  const cols = Object.entries(source.columns).map(
    ([c, t]) => `CAST(${present?.has(c) ? `"${c}"` : 'NULL'} AS ${DUCK_TYPES[t]}) AS "${c}"`,
  );
  await engine.run(
    present
      ? `CREATE OR REPLACE TEMP TABLE ${name} AS SELECT ${cols.join(', ')} FROM read_parquet(${lit(file)})`
      : `CREATE OR REPLACE TEMP TABLE ${name} AS SELECT ${cols.join(', ')} WHERE false`,
  );
}

/** A view over a partitioned table's stored partitions, or an empty one shaped by `template`. */
/** OpenLineage run events for this run (src/etl/lineage.ts), into the lake's lineage/ prefix. */
async function emitLineage(
  root: string,
  lakeDir: string,
  report: EtlReport,
  failed?: { step: string; message: string },
): Promise<void> {
  const lineage = planLineage(root);
  await writeRunEvents(
    lakeDir,
    runEvents(lineage, report, {
      now: new Date(),
      codeVersion: codeVersion(root, lineage),
      ...(failed ? { failed } : {}),
    }),
  );
}

/**
 * Records Firehose could not deliver or partition land under firehose-errors/: they were accepted
 * but are not in bronze, so the counts cannot reconcile. Stop and say where they are.
 */
async function assertNoDeliveryErrors(lakeDir: string, range: { from: string; to: string }): Promise<void> {
  const deliveryErrors = await listFiles(
    join(lakeDir, 'firehose-errors'),
    '',
    (name, depth) =>
      depth !== 2 || (name.startsWith('dt=') && name.slice(3) >= range.from && name.slice(3) <= range.to),
  );
  if (deliveryErrors.length > 0) {
    throw new DataQualityError(
      'dq_no_firehose_errors',
      deliveryErrors.length,
      'every record Firehose received for the run is in bronze; re-drive the error output first',
      deliveryErrors[0] ?? null,
    );
  }
}

export async function runEtl(opts: EtlOptions): Promise<EtlReport> {
  return withLakeLock(opts.lakeDir, async () => {
    // What a crashed run left: a publish it began is finished, staging it never published goes.
    const repaired = await recoverInterruptedRuns(opts.lakeDir);
    if (repaired.rolledForward)
      opts.onProgress?.(`finished ${repaired.rolledForward} publish(es) a crashed run had begun`);
    return runEtlLocked(opts);
  });
}

async function runEtlLocked(opts: EtlOptions): Promise<EtlReport> {
  if (!DATE.test(opts.from) || !DATE.test(opts.to) || opts.from > opts.to) {
    throw new C360Error(`the run needs --from <= --to as YYYY-MM-DD dates, got ${opts.from} .. ${opts.to}`);
  }
  // Days a reprocess is still writing hold two bronze versions of their events.
  await assertNoReprocessWriting(new FolderObjectStore(opts.lakeDir), opts.from, opts.to);
  const hubLimit = opts.hubLimit ?? 50;
  if (!Number.isInteger(hubLimit) || hubLimit < 1)
    throw new C360Error(`the hub limit must be a positive integer, got ${hubLimit}`);
  const started = performance.now();
  const root = projectRoot();
  const plan = await loadPlan(root);
  const layers = new Set(opts.layers ?? ['silver', 'gold']);
  const engine =
    opts.engine ??
    (await openDuckDb(':memory:', {
      threads: opts.threads,
      memoryLimit: opts.memoryLimit ?? ETL_MEMORY_LIMIT,
    }));
  const progress = opts.onProgress ?? (() => {});
  const params: Record<string, string> = { from: opts.from, to: opts.to, hub_limit: String(hubLimit) };
  const range = { from: opts.from, to: opts.to };
  const report: EtlReport = {
    from: opts.from,
    to: opts.to,
    bronzeFiles: 0,
    bronzeMs: 0,
    steps: [],
    warnings: [],
    ms: 0,
  };
  // Everything this run writes goes to staging first; nothing in the lake changes unless every check passes.
  const staging = join(stagingRoot(opts.lakeDir), `run-${Date.now()}-${process.pid}`);
  const outputs: Staged[] = [];
  try {
    await assertNoDeliveryErrors(opts.lakeDir, range);
    const files = await bronzeFiles(opts.lakeDir, range);
    report.bronzeFiles = files.length;
    progress(`reading ${files.length} bronze file(s) for ${opts.from} .. ${opts.to}`);
    const read0 = performance.now();
    await registerSources(engine, files, root, opts.lakeDir, join(staging, '_salvage'), (lines) => {
      report.parked = lines;
      progress(`${lines} bronze line(s) the engine cannot read: parked in quarantine (reason=parse_error)`);
    });
    report.bronzeMs = Math.round(performance.now() - read0);
    progress(`bronze parsed in ${report.bronzeMs} ms`);
    const prior = await registerPrior(engine, opts.lakeDir, root);
    // Nothing stored before this run (or asked for): keyed steps rebuild every key, with no list
    // of touched ones.
    params.full_rebuild = String(!prior.hasEvents || opts.allKeys === true);
    await registerQuarantine(engine, opts.lakeDir);

    const texts = await Promise.all(plan.map((step) => readFile(join(root, 'sql', step.sql), 'utf8')));
    // The parsed bronze is held only while a step still reads it: later steps get its memory.
    const lastBronzeReader = texts.findLastIndex((t) => /\bbronze_\w+/.test(t.replace(/^--.*$/gm, '')));
    for (const [index, step] of plan.entries()) {
      const t0 = performance.now();
      const stepParams = step.params ? { ...params, ...step.params } : params;
      const sql = renderSql(texts[index] as string, stepParams, step.sql);
      const target = step.path ? join(opts.lakeDir, step.path) : '';
      const skip = !layers.has(step.layer);
      const { rows, iterations, recomputed } = await EXECUTORS[step.kind]({
        engine,
        step,
        sql,
        text: texts[index] as string,
        touchedText: step.touched ? texts[plan.findIndex((p) => p.name === step.touched)] : undefined,
        params: stepParams,
        root,
        target,
        staging,
        skip,
        range,
        outputs,
        warn: (w) => {
          report.warnings.push(w);
          progress(`warning: ${w.check}: ${w.failures} row(s)${w.example ? ` (e.g. ${w.example})` : ''}`);
        },
      });
      if (index === lastBronzeReader) await engine.run('DROP TABLE IF EXISTS bronze_raw');
      const ms = Math.round(performance.now() - t0);
      report.steps.push({
        name: step.name,
        kind: step.kind,
        rows,
        ms,
        ...(iterations ? { iterations } : {}),
        ...(recomputed !== undefined ? { recomputed } : {}),
      });
      if (!skip) {
        progress(
          `${step.layer}.${step.name}: ${step.kind === 'check' || step.kind === 'warn' ? 'checked' : `${rows} rows`}${iterations ? ` (${iterations} iterations)` : ''}${recomputed !== undefined ? ` (${recomputed} recomputed for the keys the run touched)` : ''} in ${ms} ms`,
        );
      }
    }
    await publish(opts.lakeDir, staging, outputs);
    await emitLineage(root, opts.lakeDir, report);
  } catch (err) {
    if (err instanceof DataQualityError)
      await emitLineage(root, opts.lakeDir, report, { step: err.check, message: err.message });
    throw err;
  } finally {
    if (!opts.engine) engine.close();
    // A publish that failed part way keeps its journal and staging: the next run finishes it.
    if (!existsSync(join(staging, 'PUBLISH.json'))) {
      await rm(staging, { recursive: true, force: true });
      await rmdir(stagingRoot(opts.lakeDir)).catch(() => {});
    }
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}
