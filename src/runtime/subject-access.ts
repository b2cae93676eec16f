import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { FolderObjectStore } from '../adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import { Pseudonymizer } from '../domain/enrich/pii';
import { C360Error } from '../domain/errors';
import { type ArchivedRecord, openRaw } from '../domain/raw-archive';
import { lit, openDuckDb } from '../etl/duckdb';
import { type ForgetRequest, type ResultRow, subjectQuery } from '../handlers/privacy-steps';
import {
  createSubjectAccessHandler,
  type SubjectAccessEvent,
  type SubjectAccessResult,
} from '../handlers/subject-access';
import { systemClock } from '../ports/clock';
import { openWarehouse, warehouseFile } from '../warehouse/embedded';
import { findIdentities } from './forget';
import { localPaths } from './local';
import { localPiiKey, localPrivacy, localVaultKeys } from './local-enrich';
import {
  forEachStoreFile,
  personLines,
  quarantineRecords,
  rowMentionsPerson,
  storeText,
} from './person-stores';
import { alertTask, execute, loadDefinition, StepError } from './pipeline';

/**
 * `c360 export-person` embedded: runs statemachines/export-person.asl.json, each Task answered by
 * its local stand-in in the service's response shape:
 *  Subject                 the privacy steps' `subject` (the same identity-map query as erasure);
 *  FindIdentities/Read…    Athena's role: that query on DuckDB;
 *  Plan, Package           the subject access steps (src/handlers/subject-access.ts), as the Lambda;
 *  CollectLake             the forget Glue job's export mode: the person's rows copied out of every
 *                          store erasure rewrites (src/runtime/person-stores.ts);
 *  UnloadWarehouse         Redshift's role: the same UNLOAD statements, run on the embedded warehouse.
 * The archive is copied to `out` (mode 0600: it holds the person's clear values).
 */
export interface ExportPersonReport extends SubjectAccessResult {
  file: string;
  bytes: number;
  ms: number;
}

export async function exportPersonLocal(opts: {
  dataDir?: string;
  request: ForgetRequest;
  /** Where to put the archive (default DIR/exports/person-<request>.zip). */
  out?: string;
  onProgress?: (m: string) => void;
}): Promise<ExportPersonReport> {
  const started = performance.now();
  const say = opts.onProgress ?? (() => {});
  const paths = localPaths(opts.dataDir);
  const pseudonymizer = new Pseudonymizer(process.env.C360_PII_KEY ?? localPiiKey(paths.state));
  const { vault } = localPrivacy(opts.dataDir);
  const objects = new FolderObjectStore(paths.lake);
  const logger = new LocalLogger('c360-subject-access', 'warn');
  const metrics = new EmfMetrics('c360', 'c360-subject-access', paths.metrics);
  const access = createSubjectAccessHandler({
    pseudonymizer,
    vault,
    objects,
    clock: systemClock,
    logger,
    metrics,
    // Redshift's role is the embedded warehouse: the UNLOADs name the lake folder as their bucket.
    unload: { bucket: LOCAL_BUCKET, roleArn: 'arn:aws:iam::000000000000:role/c360-local' },
    audienceState: new FolderObjectStore(paths.state),
  });
  let rows: ResultRow[] = [];
  const alerts: string[] = [];
  const asTask = async <T>(f: () => Promise<T>) => {
    try {
      return await f();
    } catch (err) {
      throw new StepError('States.TaskFailed', err instanceof Error ? err.message : String(err));
    }
  };
  const payload = <T>(i: unknown) => (i as { Payload: T }).Payload;
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
    // The privacy Lambda's `subject` step (the same query erasure finds the person with).
    Subject: (i) =>
      asTask(async () => ({
        Payload: subjectQuery(payload<{ request: ForgetRequest }>(i).request, pseudonymizer),
      })),
    FindIdentities: (i) =>
      asTask(async () => {
        rows = await findIdentities(paths.lake, (i as { QueryString: string }).QueryString);
        return { QueryExecution: { QueryExecutionId: 'local', Status: { State: 'SUCCEEDED' } } };
      }),
    ReadIdentities: async () => ({ ResultSet: { Rows: rows } }),
    Plan: (i) => asTask(async () => ({ Payload: await access(payload<SubjectAccessEvent>(i)) })),
    CollectLake: (i) =>
      asTask(async () => {
        const args = (i as { Arguments: Record<string, string> }).Arguments;
        say(
          'copying their rows out of landing, bronze, quarantine, silver, gold, scores, query results and state',
        );
        // As erasure does: batch files as delivered are found by their clear email and phone too.
        const clear = new Set<string>();
        if (opts.request.email) clear.add(opts.request.email.trim().toLowerCase());
        for (const r of rows.slice(1)) {
          const [type, value] = (r.Data ?? []).map((d) => d.VarCharValue ?? '');
          for (const v of await vault.reveal(`${type}:${value}`))
            if (v.kind === 'email' || v.kind === 'phone') clear.add(v.value.trim().toLowerCase());
        }
        await collectLake(paths, args['--pattern'] as string, args['--out_prefix'] as string, clear);
        return { JobRunState: 'SUCCEEDED' };
      }),
    UnloadWarehouse: (i) =>
      asTask(async () => {
        say('unloading their warehouse rows (history included)');
        await unloadLocally(paths, (i as { Sqls: string[] }).Sqls);
        return { Id: 'local' };
      }),
    DescribeStatement: async (i) => ({ Id: (i as { Id: string }).Id, Status: 'FINISHED' }),
    Package: (i) =>
      asTask(async () => {
        say('packaging with their clear values from the vault');
        return { Payload: await access(payload<SubjectAccessEvent>(i)) };
      }),
    Alert: alertTask(paths.root, alerts),
  };
  const r = await execute(await loadDefinition('export-person'), opts.request, handlers, {
    dataDir: paths.root,
    waitMs: { WaitForStatement: 0 },
  });
  if (r.status === 'FAILED')
    throw new C360Error(`export-person failed: ${alerts.at(-1) ?? r.error?.cause ?? 'unknown error'}`);
  const result = r.output as SubjectAccessResult;
  const file =
    opts.out ?? join(paths.root, 'exports', `person-${result.archive.split('/')[1] ?? 'request'}.zip`);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await copyFile(join(paths.lake, result.archive), file);
  await chmod(file, 0o600);
  const bytes = (await readFile(file)).length;
  return { ...result, file, bytes, ms: Math.round(performance.now() - started) };
}

/** The bucket name the embedded UNLOADs write to: the lake folder (FolderObjectStore keys). */
const LOCAL_BUCKET = 'c360-lake-local';

/**
 * The forget Glue job's export mode, embedded: for every store erasure rewrites, the person's rows
 * copied to `<prefix>lake/<store>/<file>` (text lines as stored, gzip opened; quarantine records
 * with their opened originals; Parquet rows as JSON lines).
 */
async function collectLake(
  paths: ReturnType<typeof localPaths>,
  pattern: string,
  prefix: string,
  clear: ReadonlySet<string>,
): Promise<void> {
  if (!pattern) throw new C360Error('the subject access plan names nobody');
  const person = personLines(pattern, clear);
  const objects = new FolderObjectStore(paths.lake);
  const keys = localVaultKeys(paths.state);
  const engine = await openDuckDb();
  try {
    await forEachStoreFile(paths, async (store, f) => {
      const rel = relative(store.dir(paths), f).split(sep).join('/');
      const out = `${prefix}lake/${store.name}/${rel.replace(/\.gz$/, '')}`;
      if (store.kind === 'text') {
        const text = await storeText(f);
        if (text === null) return;
        let lines = text.split('\n').filter((l) => l.length > 0 && person.inStore(store, l));
        // The raw archive's lines are sealed: the person gets them opened, as they were received.
        if (store.name === 'raw' && lines.length) lines = await openedRaw(paths.root, lines);
        if (lines.length) await objects.put(out, `${lines.join('\n')}\n`);
      } else if (store.kind === 'quarantine') {
        const found = (await quarantineRecords(f, objects, keys))
          .filter(({ line, original }) => person.mentions(line) || person.mentions(original))
          .map(({ record, original }) =>
            JSON.stringify({
              reason: record.reason,
              source: record.source,
              quarantinedAt: record.quarantinedAt,
              original,
            }),
          );
        if (found.length) await objects.put(out, `${found.join('\n')}\n`);
      } else {
        const where = rowMentionsPerson(pattern);
        const found = await engine.rows<{ row: string }>(
          `SELECT CAST(to_json(x) AS VARCHAR) AS row FROM read_parquet(${lit(f)}) x WHERE ${where}`,
        );
        if (found.length) await objects.put(`${out}.jsonl`, `${found.map((r) => r.row).join('\n')}\n`);
      }
    });
  } finally {
    engine.close();
  }
}

/** Redshift's role: the plan's UNLOAD statements, each SELECT run on the embedded warehouse, written as CSV with a header. */
async function unloadLocally(paths: ReturnType<typeof localPaths>, sqls: string[]): Promise<void> {
  if (!existsSync(warehouseFile(paths.root))) return;
  const wh = await openWarehouse(paths.root, { readOnly: true });
  try {
    for (const sql of sqls) {
      const m = /^UNLOAD \('((?:[^']|'')*)'\) TO '([^']*)'/.exec(sql);
      if (!m) throw new C360Error(`not an UNLOAD statement: ${sql.slice(0, 80)}`);
      const select = (m[1] as string).replace(/''/g, "'");
      const target = (m[2] as string).replace(/''/g, "'");
      const key = target.replace(`s3://${LOCAL_BUCKET}/`, '');
      if (key === target) throw new C360Error(`UNLOAD target ${target} is not the lake`);
      const file = join(paths.lake, key, '000.csv');
      await mkdir(dirname(file), { recursive: true });
      const [n] = await wh.rows<{ n: string }>(`SELECT count(*) AS n FROM (${select}) x`);
      if (Number(n?.n ?? 0) === 0) continue;
      await wh.run(`COPY (${select}) TO ${lit(file)} (FORMAT csv, HEADER)`);
    }
  } finally {
    wh.close();
  }
}

/** Removes the working copies of a request (the archive has been copied out). */
export async function removeAccessRequest(dataDir: string | undefined, prefix: string): Promise<void> {
  if (!prefix.startsWith('access/')) throw new C360Error(`not an access request: ${prefix}`);
  await rm(join(localPaths(dataDir).lake, prefix), { recursive: true, force: true });
}

/** Raw archive lines opened with the vault (their receipt time, stream origin and text as received). */
async function openedRaw(dataDir: string, lines: string[]): Promise<string[]> {
  const { vault, keys } = localPrivacy(dataDir);
  const records = lines.map((l) => JSON.parse(l) as ArchivedRecord);
  const texts = await openRaw(vault, keys, records);
  // The envelope as JSON (not a JSON string inside JSON), so it reads as what was sent.
  const asReceived = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return records.flatMap((r, i) => {
    const text = texts[i];
    return text === null || text === undefined
      ? []
      : [
          JSON.stringify({
            subject: r.subject,
            receivedAt: r.receivedAt,
            origin: r.origin,
            received: asReceived(text),
          }),
        ];
  });
}
