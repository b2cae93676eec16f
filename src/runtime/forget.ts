import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FileSuppressionList } from '../adapters/local/file-suppression';
import { listFiles } from '../adapters/local/files';
import { FolderObjectStore } from '../adapters/local/object-store';
import { Pseudonymizer } from '../domain/enrich/pii';
import { C360Error } from '../domain/errors';
import type { QuarantineRecord } from '../domain/event';
import { type ErasureTarget, mentionPattern, suppressionHash } from '../domain/privacy/erasure';
import { type Engine, lit, openDuckDb } from '../etl/duckdb';
import { bronzeFiles, runEtl } from '../etl/runner';
import { loadWarehouse, openWarehouse, warehouseFile } from '../warehouse/embedded';
import { localPaths } from './local';
import { localPiiKey, localPrivacy, localVaultKeys } from './local-enrich';
import { originalOf } from './quarantine';

/**
 * `c360 forget` embedded: erases one person from every store of the data folder and suppresses
 * their identities so later events are dropped at enrich. The plan:
 *  1. resolve the person through the identity map (a user id, an email, or a customer id) to their
 *     customer id(s) and every identity node;
 *  2. record the suppression entries (keyed hashes), then crypto-shred their vault subjects;
 *     (their clear email and phone, read from the vault first, find their rows in the landing inbox);
 *  3. rewrite the landing inbox, bronze and quarantine without their events (quarantine originals are opened to
 *     look), silver and gold Parquet without their rows, text files (features, scores, state)
 *     without their lines;
 *  4. rerun the ETL over bronze's dates, so every aggregate changes by exactly their contribution;
 *  5. reload the warehouse and delete their rows from every table (history included).
 * The raw stream (Kinesis' role) is not rewritten: it ages out with its retention.
 */
export interface ForgetRequest {
  userId?: string;
  email?: string;
  customerId?: string;
}

export interface ForgetReport {
  customerIds: string[];
  identityKeys: number;
  vaultSubjectsShredded: number;
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
  const target = await resolve(paths.lake, opts.request, pseudonymizer);
  const pattern = mentionPattern(target);
  const mentions = new RegExp(pattern);
  const report: ForgetReport = {
    customerIds: target.customerIds,
    identityKeys: target.keys.length,
    vaultSubjectsShredded: 0,
    bronzeEventsRemoved: 0,
    quarantineRecordsRemoved: 0,
    lakeRowsRemoved: 0,
    linesRemoved: 0,
    warehouseRowsDeleted: 0,
    filesRewritten: 0,
    ms: 0,
  };

  say('suppressing their identities');
  await new FileSuppressionList(join(paths.state, 'suppression.txt')).add(
    target.keys.map((k) => suppressionHash(pseudonymizer, k.type, k.value)),
  );
  say('crypto-shredding their vault entries');
  const { vault } = localPrivacy(opts.dataDir);
  // Their clear email and phone, read from the vault before it forgets them, find their rows in
  // the landing inbox (batch files as delivered, the one place besides the vault they are in clear).
  const clear = new Set<string>();
  for (const k of target.keys) {
    const subject = `${k.type}:${k.value}`;
    for (const v of await vault.reveal(subject))
      if (v.kind === 'email' || v.kind === 'phone') clear.add(v.value.trim().toLowerCase());
    if (await vault.shred(subject)) report.vaultSubjectsShredded++;
  }
  if (opts.request.email) clear.add(opts.request.email.trim().toLowerCase());
  for (const root of [join(paths.lake, 'landing'), join(paths.root, 'inbox')]) {
    for (const f of await listFiles(root, '')) {
      const removed = await filterLines(
        f,
        (l) => mentions.test(l) || [...clear].some((c) => l.toLowerCase().includes(c)),
        f.endsWith('.gz'),
      );
      report.linesRemoved += removed;
      if (removed) report.filesRewritten++;
    }
  }

  say('rewriting bronze and quarantine');
  for (const f of await listFiles(join(paths.lake, 'bronze'), '.ndjson.gz')) {
    const removed = await filterLines(f, (l) => mentions.test(l), true);
    report.bronzeEventsRemoved += removed;
    if (removed) report.filesRewritten++;
  }
  const keys = localVaultKeys(paths.state);
  const objects = new FolderObjectStore(paths.lake);
  for (const dir of ['quarantine', 'quarantine-replayed']) {
    for (const f of await listFiles(join(paths.lake, dir), '.ndjson.gz')) {
      const lines = gunzipSync(await readFile(f))
        .toString('utf8')
        .split('\n')
        .filter(Boolean);
      const keep: string[] = [];
      for (const line of lines) {
        const q = JSON.parse(line) as QuarantineRecord;
        if (mentions.test(line) || mentions.test(await originalOf(q, objects, keys))) {
          if (q.originalRef) await rm(join(paths.lake, q.originalRef), { force: true });
        } else keep.push(line);
      }
      if (keep.length === lines.length) continue;
      report.quarantineRecordsRemoved += lines.length - keep.length;
      report.filesRewritten++;
      await replaceFile(f, keep.length ? gzipSync(`${keep.join('\n')}\n`) : null);
    }
  }

  say('rewriting silver and gold');
  const engine = await openDuckDb();
  try {
    for (const layer of ['silver', 'gold']) {
      for (const f of await listFiles(join(paths.lake, layer), '.parquet')) {
        const removed = await filterParquet(engine, f, pattern);
        report.lakeRowsRemoved += removed;
        if (removed) report.filesRewritten++;
      }
    }
  } finally {
    engine.close();
  }
  for (const root of [join(paths.lake, 'features'), join(paths.lake, 'scores'), paths.state]) {
    for (const f of await listFiles(root, '')) {
      if (f.endsWith('.key') || f.endsWith('suppression.txt')) continue;
      const removed = await filterLines(f, (l) => mentions.test(l), false);
      report.linesRemoved += removed;
      if (removed) report.filesRewritten++;
    }
  }

  const dates = (await bronzeFiles(paths.lake))
    .map((f) => /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(f)?.[1])
    .filter((d): d is string => Boolean(d))
    .sort();
  if (dates.length) {
    say(`rebuilding silver and gold (${dates[0]} .. ${dates.at(-1)})`);
    await runEtl({ lakeDir: paths.lake, from: dates[0] as string, to: dates.at(-1) as string });
  }

  if (existsSync(warehouseFile(paths.root))) {
    say('reloading the warehouse and deleting their rows');
    await loadWarehouse({ dataDir: paths.root, lakeDir: paths.lake });
    const wh = await openWarehouse(paths.root);
    try {
      report.warehouseRowsDeleted = await deleteMentions(wh, pattern);
    } finally {
      wh.close();
    }
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}

async function resolve(lakeDir: string, r: ForgetRequest, p: Pseudonymizer): Promise<ErasureTarget> {
  const given = [r.userId, r.email, r.customerId].filter((v) => v !== undefined);
  if (given.length !== 1) throw new C360Error('name exactly one person: --user-id, --email or --customer-id');
  const node =
    r.userId !== undefined
      ? `user_id:${r.userId}`
      : r.email !== undefined
        ? `email_hash:${p.email(r.email).hash}`
        : null;
  const mapFile = join(lakeDir, 'silver', 'identity_map', 'data.parquet');
  if (!existsSync(mapFile))
    throw new C360Error(
      `no identity map under ${lakeDir}: run "c360 etl" (or "npm start") first, then forget`,
    );
  const engine = await openDuckDb();
  try {
    const ids =
      r.customerId !== undefined
        ? [r.customerId]
        : (
            await engine.rows<{ c: string }>(
              `SELECT DISTINCT customer_id AS c FROM read_parquet(${lit(mapFile)}) WHERE node = ${lit(node as string)} AND NOT is_hub`,
            )
          ).map((x) => x.c);
    const keys = ids.length
      ? await engine.rows<{ type: string; value: string }>(
          `SELECT id_type AS type, id_value AS value FROM read_parquet(${lit(mapFile)})
           WHERE customer_id IN (${ids.map(lit).join(', ')}) AND NOT is_hub ORDER BY 1, 2`,
        )
      : [];
    if (!keys.length && node === null)
      throw new C360Error(
        `customer ${r.customerId} is not in the identity map: check the id with "c360 query"`,
      );
    // A key not stitched yet (its events not through the ETL) is still erased and suppressed.
    if (node && !keys.some((k) => `${k.type}:${k.value}` === node)) {
      const i = node.indexOf(':');
      keys.push({ type: node.slice(0, i), value: node.slice(i + 1) });
    }
    return { customerIds: ids, keys };
  } finally {
    engine.close();
  }
}

/** Rewrites a text (or gzip) file without the lines `drop` matches; returns how many went. */
async function filterLines(file: string, drop: (line: string) => boolean, gz: boolean): Promise<number> {
  const raw = await readFile(file);
  const text = gz ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  if (!gz && raw.includes(0)) return 0; // binary state, not ours to filter
  const lines = text.split('\n');
  const keep = lines.filter((l) => !drop(l));
  const removed = lines.length - keep.length;
  if (!removed) return 0;
  const out = keep.join('\n');
  await replaceFile(file, out.trim() ? (gz ? gzipSync(out) : out) : null);
  return removed;
}

async function filterParquet(engine: Engine, file: string, pattern: string): Promise<number> {
  const where = `regexp_matches(CAST(to_json(x) AS VARCHAR), ${lit(pattern)})`;
  const [n] = await engine.rows<{ n: string }>(
    `SELECT count(*) AS n FROM read_parquet(${lit(file)}) x WHERE ${where}`,
  );
  const removed = Number(n?.n ?? 0);
  if (!removed) return 0;
  const tmp = `${file}.forget.tmp`;
  await engine.run(
    `COPY (SELECT * FROM read_parquet(${lit(file)}) x WHERE NOT ${where}) TO ${lit(tmp)} (FORMAT parquet)`,
  );
  await rename(tmp, file);
  return removed;
}

async function deleteMentions(wh: Engine, pattern: string): Promise<number> {
  const tables = await wh.rows<{ s: string; t: string }>(
    'SELECT schema_name AS s, table_name AS t FROM duckdb_tables() WHERE NOT internal ORDER BY 1, 2',
  );
  let deleted = 0;
  for (const { s, t } of tables) {
    const name = `"${s}"."${t}"`;
    const [n] = await wh.rows<{ n: string }>(
      `SELECT count(*) AS n FROM ${name} x WHERE regexp_matches(CAST(to_json(x) AS VARCHAR), ${lit(pattern)})`,
    );
    if (!Number(n?.n)) continue;
    await wh.run(
      `DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} x WHERE regexp_matches(CAST(to_json(x) AS VARCHAR), ${lit(pattern)}))`,
    );
    deleted += Number(n?.n);
  }
  return deleted;
}

async function replaceFile(file: string, body: Buffer | string | null): Promise<void> {
  if (body === null) {
    await rm(file, { force: true });
    return;
  }
  const tmp = `${file}.forget.tmp`;
  await writeFile(tmp, body);
  await rename(tmp, file);
}
