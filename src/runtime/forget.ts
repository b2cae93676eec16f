import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FileSuppressionList } from '../adapters/local/file-suppression';
import { listFiles, replaceFile } from '../adapters/local/files';
import { FolderObjectStore } from '../adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import { dashboardCacheDir } from '../dashboards/cache';
import { renderDashboards } from '../dashboards/render';
import { Pseudonymizer } from '../domain/enrich/pii';
import { C360Error } from '../domain/errors';
import { suppressionHash } from '../domain/privacy/erasure';
import { type Engine, inTransaction, lit, openDuckDb } from '../etl/duckdb';
import { bronzeFiles, runEtl } from '../etl/runner';
import type { AudienceEvent } from '../handlers/audience-delivery';
import {
  createPrivacyStepsHandler,
  type ForgetPlan,
  type ForgetRequest,
  type PrivacyStepEvent,
  type ResultRow,
} from '../handlers/privacy-steps';
import { loadWarehouse, openWarehouse, warehouseFile } from '../warehouse/embedded';
import { createLocalAudienceHandler } from './audiences';
import { localPaths } from './local';
import { localPiiKey, localPrivacy, localVaultKeys } from './local-enrich';
import {
  forEachStoreFile,
  personLines,
  quarantineRecords,
  rowMentionsPerson,
  storeText,
} from './person-stores';
import { alertTask, execute, LOCAL_SUBSTITUTIONS, loadDefinition, StepError } from './pipeline';
import { localLiveTimelines, openLocalProfileStore } from './profiles';

/**
 * `c360 forget` embedded: runs statemachines/forget.asl.json itself (the embedded Step Functions
 * of src/runtime/pipeline.ts), each Task state answered by its local stand-in in the service's
 * response shape:
 *  Subject, Erase          the privacy steps (src/handlers/privacy-steps.ts), as the Lambda runs them;
 *  FindIdentities/Read…    Athena's role: the same identity-map query with DuckDB;
 *  RewriteLake             the Glue job's role: landing (also by their clear email and phone, read
 *                          from the vault before it is shredded), bronze, quarantine (opened to look),
 *                          silver and gold Parquet, features, scores, Athena results and state without their rows;
 *  RebuildGold             the daily pipeline's role: the ETL over bronze's dates, the warehouse reloaded;
 *  DeleteWarehouseRows     Redshift's role: the same DELETE statements on the embedded warehouse.
 * The raw stream (Kinesis' role) is not rewritten: it ages out with its retention.
 */

export type { ForgetRequest };

export interface ForgetReport {
  customerIds: string[];
  identityKeys: number;
  vaultSubjectsShredded: number;
  profilesRemoved: number;
  /** Deletes sent to audience destinations, and batches of them waiting in the dead-letter file. */
  destinationDeletes: number;
  destinationDeletesPending: number;
  bronzeEventsRemoved: number;
  quarantineRecordsRemoved: number;
  lakeRowsRemoved: number;
  linesRemoved: number;
  warehouseRowsDeleted: number;
  filesRewritten: number;
  ms: number;
}

export async function forgetLocal(opts: {
  dataDir?: string;
  request: ForgetRequest;
  onProgress?: (m: string) => void;
}): Promise<ForgetReport> {
  const started = performance.now();
  const say = opts.onProgress ?? (() => {});
  const paths = localPaths(opts.dataDir);
  const pseudonymizer = new Pseudonymizer(process.env.C360_PII_KEY ?? localPiiKey(paths.state));
  const { vault } = localPrivacy(opts.dataDir);
  const report: ForgetReport = {
    customerIds: [],
    identityKeys: 0,
    vaultSubjectsShredded: 0,
    profilesRemoved: 0,
    destinationDeletes: 0,
    destinationDeletesPending: 0,
    bronzeEventsRemoved: 0,
    quarantineRecordsRemoved: 0,
    lakeRowsRemoved: 0,
    linesRemoved: 0,
    warehouseRowsDeleted: 0,
    filesRewritten: 0,
    ms: 0,
  };
  // Their clear email and phone, read from the vault just before it forgets them, find their rows
  // in the landing inbox (batch files as delivered). Kept in memory only, never in the plan.
  const clear = new Set<string>();
  if (opts.request.email) clear.add(opts.request.email.trim().toLowerCase());
  const steps = createPrivacyStepsHandler({
    pseudonymizer,
    suppression: new FileSuppressionList(join(paths.state, 'suppression.txt')),
    vault: {
      shred: async (subject) => {
        for (const v of await vault.reveal(subject))
          if (v.kind === 'email' || v.kind === 'phone') clear.add(v.value.trim().toLowerCase());
        return vault.shred(subject);
      },
    },
    profiles: openLocalProfileStore(opts.dataDir),
    waitSeconds: 0,
    logger: new LocalLogger('c360-privacy', 'warn'),
    metrics: new EmfMetrics('c360', 'c360-privacy', paths.metrics),
  });
  const alerts: string[] = [];
  const handlers = forgetStateHandlers({ paths, say, report, clear, steps, alerts });
  const r = await execute(await loadDefinition('forget'), opts.request, handlers, {
    dataDir: paths.root,
    waitMs: { WaitForEnrich: 0, WaitForStatement: 0 },
  });
  if (r.status === 'FAILED') {
    // The alert names the state's error and cause; the Fail state's own cause is generic.
    throw new C360Error(`forget failed: ${alerts.at(-1) ?? r.error?.cause ?? 'unknown error'}`);
  }
  // Cached dashboard results and rendered dashboards hold customer ids (top customers): drop the
  // cache, render them again without the person.
  await rm(dashboardCacheDir(paths.root), { recursive: true, force: true });
  const dashboards = join(paths.root, 'dashboards');
  if (existsSync(dashboards) && existsSync(warehouseFile(paths.root))) {
    say('rendering the dashboards again');
    const wh = await openWarehouse(paths.root, { readOnly: true });
    try {
      await renderDashboards({ warehouse: wh, outDir: dashboards, live: localLiveTimelines(paths.root) });
    } finally {
      wh.close();
    }
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}

/**
 * Erasures re-applied (after a backup is restored, before the data folder serves again): every
 * customer of the identity map holding a node on the suppression list (the list's keyed hashes of
 * everyone erased, kept outside the lake) is erased again, exactly as `c360 forget` did. The
 * suppression list and the keys are what a restore must NOT roll back (docs/operations.md).
 */
export async function reapplyErasures(opts: {
  dataDir?: string;
  onProgress?: (m: string) => void;
}): Promise<{ customerIds: string[]; reports: ForgetReport[] }> {
  const paths = localPaths(opts.dataDir);
  const pseudonymizer = new Pseudonymizer(process.env.C360_PII_KEY ?? localPiiKey(paths.state));
  const suppressed = await new FileSuppressionList(join(paths.state, 'suppression.txt')).load();
  const mapFile = join(paths.lake, 'silver', 'identity_map', 'data.parquet');
  if (!suppressed.size || !existsSync(mapFile)) return { customerIds: [], reports: [] };
  const engine = await openDuckDb();
  let nodes: { id_type: string; id_value: string; customer_id: string }[];
  try {
    nodes = await engine.rows(
      `SELECT id_type, id_value, customer_id FROM read_parquet(${lit(mapFile)}) WHERE NOT is_hub ORDER BY customer_id`,
    );
  } finally {
    engine.close();
  }
  const customerIds = [
    ...new Set(
      nodes
        .filter((n) => suppressed.has(suppressionHash(pseudonymizer, n.id_type, n.id_value)))
        .map((n) => n.customer_id),
    ),
  ];
  const reports: ForgetReport[] = [];
  for (const [i, customerId] of customerIds.entries()) {
    opts.onProgress?.(`re-applying erasure ${i + 1} of ${customerIds.length}`);
    reports.push(
      await forgetLocal({ dataDir: opts.dataDir, request: { customerId }, onProgress: opts.onProgress }),
    );
  }
  return { customerIds, reports };
}

/** Athena's role in the forget machine: its query over the silver identity map, with DuckDB, as Athena's result rows. */
export async function findIdentities(lakeDir: string, query: string): Promise<ResultRow[]> {
  const mapFile = join(lakeDir, 'silver', 'identity_map', 'data.parquet');
  if (!existsSync(mapFile))
    throw new C360Error(
      `no identity map under ${lakeDir}: run "c360 etl" (or "npm start") first, then forget`,
    );
  const engine = await openDuckDb();
  try {
    await engine.run(`CREATE VIEW identity_map AS SELECT * FROM read_parquet(${lit(mapFile)})`);
    const found = await engine.rows<{ id_type: string; id_value: string; customer_id: string }>(query);
    return [
      {
        Data: [{ VarCharValue: 'id_type' }, { VarCharValue: 'id_value' }, { VarCharValue: 'customer_id' }],
      },
      ...found.map((r) => ({
        Data: [{ VarCharValue: r.id_type }, { VarCharValue: r.id_value }, { VarCharValue: r.customer_id }],
      })),
    ];
  } finally {
    engine.close();
  }
}

/**
 * The forget state machine's tasks, embedded (statemachines/forget.asl.json): the privacy steps
 * handler, Athena's identity query on DuckDB, the lake and warehouse rewrites, the alert.
 */
function forgetStateHandlers(ctx: {
  paths: ReturnType<typeof localPaths>;
  say: (m: string) => void;
  report: ForgetReport;
  clear: Set<string>;
  steps: ReturnType<typeof createPrivacyStepsHandler>;
  alerts: string[];
}): Record<string, (input: unknown) => Promise<unknown>> {
  const { paths, say, report, clear, steps, alerts } = ctx;
  let rows: ResultRow[] = [];
  const payload = (i: unknown) => (i as { Payload: PrivacyStepEvent }).Payload;
  const asTask = async <T>(f: () => Promise<T>) => {
    try {
      return await f();
    } catch (err) {
      throw new StepError('States.TaskFailed', err instanceof Error ? err.message : String(err));
    }
  };
  return {
    Subject: (i) => asTask(async () => ({ Payload: await steps(payload(i)) })),
    // Athena's role: the same query over the silver identity map, with DuckDB.
    FindIdentities: (i) =>
      asTask(async () => {
        rows = await findIdentities(paths.lake, (i as { QueryString: string }).QueryString);
        return { QueryExecution: { QueryExecutionId: 'local', Status: { State: 'SUCCEEDED' } } };
      }),
    ReadIdentities: async () => ({ ResultSet: { Rows: rows } }),
    Erase: (i) =>
      asTask(async () => {
        say('suppressing their identities and crypto-shredding their vault entries');
        const plan = await steps(payload(i));
        Object.assign(report, {
          customerIds: (plan as ForgetPlan).customerIds,
          identityKeys: (plan as ForgetPlan).identityKeys,
          vaultSubjectsShredded: (plan as ForgetPlan).vaultSubjectsShredded,
          profilesRemoved: (plan as ForgetPlan).profilesRemoved,
        });
        return { Payload: plan };
      }),
    // The audience function's role: every destination holding them is sent their delete
    // (refusals wait in the dead-letter store for redrive).
    EraseFromDestinations: (i) =>
      asTask(async () => {
        const handle = await createLocalAudienceHandler(
          paths.root,
          LOCAL_SUBSTITUTIONS.LakeBucketName as string,
        );
        const sent = (await handle((i as { Payload: AudienceEvent }).Payload)) as {
          deleted: number;
          dead_lettered: number;
        };
        report.destinationDeletes = sent.deleted;
        report.destinationDeletesPending = sent.dead_lettered;
        return { Payload: sent };
      }),
    // The Glue job's role: the lake rewritten without their rows.
    RewriteLake: (i) =>
      asTask(async () => {
        say('rewriting landing, bronze, quarantine, silver, gold, scores, query results and state');
        await rewriteLake(
          paths,
          (i as { Arguments: Record<string, string> }).Arguments['--pattern'] as string,
          clear,
          report,
        );
        return { JobRunState: 'SUCCEEDED' };
      }),
    // The daily pipeline's role: every aggregate rebuilt from the rewritten silver, then loaded.
    RebuildGold: (i) =>
      asTask(async () => {
        const dates = (await bronzeFiles(paths.lake))
          .map((f) => /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(f)?.[1])
          .filter((d): d is string => Boolean(d))
          .sort();
        if (dates.length) {
          say(`rebuilding silver and gold (${dates[0]} .. ${dates.at(-1)})`);
          await runEtl({ lakeDir: paths.lake, from: dates[0] as string, to: dates.at(-1) as string });
        }
        if (existsSync(warehouseFile(paths.root))) {
          say('reloading the warehouse');
          await loadWarehouse({ dataDir: paths.root, lakeDir: paths.lake });
        }
        return { Input: (i as { Input: unknown }).Input, Status: 'SUCCEEDED' };
      }),
    // Redshift's role: the same DELETE statements on the embedded warehouse.
    DeleteWarehouseRows: (i) =>
      asTask(async () => {
        if (!existsSync(warehouseFile(paths.root))) return { Id: 'local-none' };
        say('deleting their warehouse rows (history included)');
        const wh = await openWarehouse(paths.root);
        try {
          // One transaction, as BatchExecuteStatement runs them: the deletes, then the refilled
          // reporting tables.
          await inTransaction(wh, async () => {
            for (const sql of (i as { Sqls: string[] }).Sqls) {
              const table = /^DELETE FROM (\S+) WHERE (.*)$/.exec(sql);
              if (table) {
                const [n] = await wh.rows<{ n: string }>(
                  `SELECT count(*) AS n FROM ${table[1]} WHERE ${table[2]}`,
                );
                report.warehouseRowsDeleted += Number(n?.n ?? 0);
              }
              await wh.run(sql);
            }
          });
        } finally {
          wh.close();
        }
        return { Id: 'local' };
      }),
    DescribeStatement: async (i) => ({ Id: (i as { Id: string }).Id, Status: 'FINISHED' }),
    Alert: alertTask(paths.root, alerts),
  };
}

async function rewriteLake(
  paths: ReturnType<typeof localPaths>,
  pattern: string,
  clear: Set<string>,
  report: ForgetReport,
): Promise<void> {
  const person = personLines(pattern, clear);
  const keys = localVaultKeys(paths.state);
  const objects = new FolderObjectStore(paths.lake);
  const engine = await openDuckDb();
  try {
    await forEachStoreFile(paths, async (store, f) => {
      if (store.kind === 'text') {
        const removed = await filterLines(f, (l) => person.inStore(store, l));
        if (store.name === 'bronze') report.bronzeEventsRemoved += removed;
        else report.linesRemoved += removed;
        if (removed) report.filesRewritten++;
      } else if (store.kind === 'quarantine') {
        const records = await quarantineRecords(f, objects, keys);
        const keep: string[] = [];
        for (const { line, record, original } of records) {
          if (person.mentions(line) || person.mentions(original)) {
            if (record.originalRef) await rm(join(paths.lake, record.originalRef), { force: true });
          } else keep.push(line);
        }
        if (keep.length === records.length) return;
        report.quarantineRecordsRemoved += records.length - keep.length;
        report.filesRewritten++;
        await rewriteOrRemove(f, keep.length ? gzipSync(`${keep.join('\n')}\n`) : null);
      } else {
        const removed = await filterParquet(engine, f, pattern);
        report.lakeRowsRemoved += removed;
        if (removed) report.filesRewritten++;
      }
    });
  } finally {
    engine.close();
  }
  // Subject access archives of the person (their clear values in a zip) go too.
  for (const manifest of await listFiles(join(paths.lake, 'access'), 'manifest.json')) {
    if (person.mentions(await readFile(manifest, 'utf8'))) {
      const request = basename(dirname(manifest));
      await rm(dirname(manifest), { recursive: true, force: true });
      // The copy `c360 export-person` handed out from it.
      await rm(join(paths.root, 'exports', `person-${request}.zip`), { force: true });
      report.filesRewritten++;
    }
  }
}

/** Rewrites a text (or gzip) file without the lines `drop` matches; returns how many went. */
async function filterLines(file: string, drop: (line: string) => boolean): Promise<number> {
  const text = await storeText(file);
  if (text === null) return 0; // binary state, not ours to filter
  const gz = file.endsWith('.gz');
  const lines = text.split('\n');
  const keep = lines.filter((l) => !drop(l));
  const removed = lines.length - keep.length;
  if (!removed) return 0;
  const out = keep.join('\n');
  await rewriteOrRemove(file, out.trim() ? (gz ? gzipSync(out) : out) : null);
  return removed;
}

async function filterParquet(engine: Engine, file: string, pattern: string): Promise<number> {
  const where = rowMentionsPerson(pattern);
  const [n] = await engine.rows<{ n: string }>(
    `SELECT count(*) AS n FROM read_parquet(${lit(file)}, hive_partitioning = false) x WHERE ${where}`,
  );
  const removed = Number(n?.n ?? 0);
  if (!removed) return 0;
  const tmp = `${file}.forget.tmp`;
  await engine.run(
    `COPY (SELECT * FROM read_parquet(${lit(file)}, hive_partitioning = false) x WHERE NOT ${where}) TO ${lit(tmp)} (FORMAT parquet)`,
  );
  await rename(tmp, file);
  return removed;
}

/** Rewrites a file whole (or removes it when nothing is left): a crash leaves old or new. */
async function rewriteOrRemove(file: string, body: Buffer | string | null): Promise<void> {
  if (body === null) await rm(file, { force: true });
  else await replaceFile(file, body);
}
