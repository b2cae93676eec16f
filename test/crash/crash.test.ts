import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { listFiles } from '../../src/adapters/local/files';
import { openDuckDb } from '../../src/etl/duckdb';
import { openWarehouse } from '../../src/warehouse/embedded';

/**
 * The crash suite (issue 26): the real CLI, in processes of its own, killed with SIGKILL at
 * random points (and at named points inside the ETL's publish), many times, then run to the end.
 * What must hold is read from the stores themselves, never from the processes' own counts:
 *
 * - serve (ingest and enrich in one process) and enrich: every event acknowledged with a 200 is
 *   in bronze exactly once; no event is in bronze twice, acknowledged or not; nothing quarantined.
 * - etl and warehouse load: after the rerun, every silver and gold table (and every warehouse
 *   table) holds exactly what a clean run on a copy of the same input holds.
 *
 * The kill times come from a seeded generator: C360_CRASH_SEED reproduces a run (it is printed).
 */
const root = join(__dirname, '../..');
const cliDir = join(root, 'dist', 'crash');
const cli = join(cliDir, 'cli.mjs');
const seed = Number(process.env.C360_CRASH_SEED ?? Math.floor(Math.random() * 1e9));
let state = seed >>> 0;
/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...process.env, ...env, C360_DEBUG: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs a command to its end; fails the test with its output unless it exits 0. */
async function complete(args: string[]): Promise<string> {
  const p = start(args);
  const { code, signal } = await p.exited;
  if (code !== 0) throw new Error(`c360 ${args.join(' ')} → ${code ?? signal}\n${p.stdout()}\n${p.stderr()}`);
  return p.stdout();
}

/** Starts a command and SIGKILLs it after `ms` unless it ended first. Returns whether it was killed. */
async function killAfter(args: string[], ms: number, env: Record<string, string> = {}): Promise<boolean> {
  const p = start(args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  const { code, signal } = await p.exited;
  clearTimeout(timer);
  if (signal === 'SIGKILL') return true;
  if (code !== 0) throw new Error(`c360 ${args.join(' ')} → ${code}\n${p.stdout()}\n${p.stderr()}`);
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function listening(p: Proc): Promise<string> {
  for (;;) {
    const m = /listening on (\S+)/.exec(p.stdout());
    if (m) return m[1] as string;
    const done = await Promise.race([p.exited.then(() => true), sleep(50).then(() => false)]);
    if (done) {
      // It may have listened and then died at its failpoint (enrich resuming what an earlier round
      // left in the stream) within the same wait: what it printed decides.
      const late = /listening on (\S+)/.exec(p.stdout());
      if (late) return late[1] as string;
      throw new Error(`serve ended before listening:\n${p.stdout()}\n${p.stderr()}`);
    }
  }
}

const auth = `Basic ${Buffer.from('c360-local-write-key:').toString('base64')}`;

/**
 * Posts batches of uniquely identified track events until `stop()` says so or the server goes;
 * returns the ids acknowledged with a 200.
 */
async function postUntil(url: string, prefix: string, stop: () => boolean, workers = 4, perBatch = 25) {
  const acked: string[] = [];
  let n = 0;
  const worker = async () => {
    while (!stop()) {
      const ids = Array.from({ length: perBatch }, () => `${prefix}-${n++}`);
      const body = JSON.stringify({
        batch: ids.map((id, i) => ({
          type: 'track',
          event: 'Crash Test',
          userId: `u${i % 40}`,
          messageId: id,
          timestamp: new Date().toISOString(),
          properties: { id },
        })),
      });
      try {
        const res = await fetch(`${url}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body,
        });
        await res.arrayBuffer();
        if (res.status === 200) acked.push(...ids);
        else if (res.status !== 503) throw new Error(`unexpected ${res.status} from ${url}`);
      } catch (err) {
        if ((err as Error).message.startsWith('unexpected')) throw err;
        return; // the server went away mid-request: that batch was never acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return acked;
}

/** How many times each event id is in bronze (and in quarantine), read from the lake files. */
async function lakeIds(lake: string, layer: 'bronze' | 'quarantine'): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const f of await listFiles(join(lake, layer), '.ndjson.gz')) {
    for (const line of gunzipSync(readFileSync(f)).toString('utf8').split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as { eventId?: string; original?: string };
      const id = row.eventId ?? /"messageId":"([^"]+)"/.exec(row.original ?? '')?.[1] ?? '?';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

function expectExactlyOnce(acked: string[], bronze: Map<string, number>, quarantine: Map<string, number>) {
  const lost = acked.filter((id) => !bronze.has(id));
  const doubled = [...bronze].filter(([, n]) => n > 1).map(([id]) => id);
  expect({ lost: lost.slice(0, 5), lostCount: lost.length }).toEqual({ lost: [], lostCount: 0 });
  expect({ doubled: doubled.slice(0, 5), doubledCount: doubled.length }).toEqual({
    doubled: [],
    doubledCount: 0,
  });
  expect(quarantine.size).toBe(0);
}

/** Every table under silver/ and gold/: its row count and a fingerprint of its rows in any order. */
async function lakeTables(lake: string): Promise<Record<string, string>> {
  const engine = await openDuckDb();
  const out: Record<string, string> = {};
  try {
    for (const layer of ['silver', 'gold']) {
      for (const table of readdirSync(join(lake, layer)).sort()) {
        const files = await listFiles(join(lake, layer, table), '.parquet');
        if (files.length === 0) continue;
        const [r] = await engine.rows<{ n: string; fp: string }>(
          `SELECT count(*)::VARCHAR AS n, md5(coalesce(string_agg(x, '|' ORDER BY x), '')) AS fp
           FROM (SELECT CAST(t AS VARCHAR) AS x FROM read_parquet([${files.map((f) => `'${f}'`).join(',')}]) t)`,
        );
        out[`${layer}.${table}`] = `${r?.n} rows ${r?.fp}`;
      }
    }
  } finally {
    engine.close();
  }
  return out;
}

/**
 * Every warehouse table's rows, leaving out what differs between any two loads: load times, and
 * dim_customer's surrogate key (derived from the version's valid_from, the load time).
 */
async function warehouseTables(dataDir: string): Promise<Record<string, string>> {
  const engine = await openWarehouse(dataDir, { locked: true });
  const out: Record<string, string> = {};
  try {
    const tables = await engine.rows<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_name <> 'load_audit' ORDER BY 1, 2`,
    );
    for (const { s, t } of tables) {
      const cols = (
        await engine.rows<{ c: string }>(
          `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = '${s}' AND table_name = '${t}'
           AND NOT regexp_matches(column_name, 'loaded|valid_from|valid_to|updated_at|applied_at|^customer_key$') ORDER BY ordinal_position`,
        )
      ).map((r) => `"${r.c}"`);
      const [r] = await engine.rows<{ n: string; fp: string }>(
        `SELECT count(*)::VARCHAR AS n, md5(coalesce(string_agg(x, '|' ORDER BY x), '')) AS fp
         FROM (SELECT CAST(ROW(${cols.join(', ')}) AS VARCHAR) AS x FROM "${s}"."${t}")`,
      );
      out[`${s}.${t}`] = `${r?.n} rows ${r?.fp}`;
    }
  } finally {
    engine.close();
  }
  return out;
}

describe(`crash suite (seed ${seed})`, () => {
  let dir: string;
  const report: Record<string, unknown> = { seed };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-crash-'));
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli-to', cliDir]);
  });
  afterAll(async () => {
    process.stdout.write(`crash suite: ${JSON.stringify(report)}\n`);
    await rm(dir, { recursive: true, force: true });
  });

  it('serve killed while accepting and enriching: every acknowledged event in bronze once, none twice', async () => {
    const data = join(dir, 'serve');
    const acked: string[] = [];
    let kills = 0;
    // Named points first: after an append is durable but before it is acknowledged, after a batch's
    // raw archive was written but before its events, and after a batch reached the lake but before
    // its shard checkpoint; then at random times.
    const points = [
      `stream.appended@${between(2, 20)}`,
      `enrich.archived@${between(1, 4)}`,
      `enrich.delivered@${between(1, 4)}`,
    ];
    for (let round = 0; round < 6; round++) {
      const point = points[round];
      const p = start(
        ['serve', '--port', String(await freePort()), '--data', data, '--no-geo'],
        point ? { C360_FAILPOINTS: point } : {},
      );
      const url = await listening(p);
      let stopped = false;
      const posting = postUntil(url, `s${round}`, () => stopped);
      if (point) await p.exited;
      else await sleep(between(500, 2500));
      p.child.kill('SIGKILL');
      // A point in enrich kills serve's consumer process: serve then fails closed (exit code 1);
      // anything else kills serve itself (its consumer stops with it).
      expect(await p.exited).toEqual(
        point?.startsWith('enrich.')
          ? { code: 1, signal: null }
          : expect.objectContaining({ signal: 'SIGKILL' }),
      );
      stopped = true;
      kills++;
      acked.push(...(await posting));
    }
    // Whatever the killed consumers left in the stream, a new one finishes (taking over their leases).
    await complete(['enrich', '--data', data, '--no-geo']);
    const bronze = await lakeIds(join(data, 'lake'), 'bronze');
    expectExactlyOnce(acked, bronze, await lakeIds(join(data, 'lake'), 'quarantine'));
    expect(acked.length).toBeGreaterThan(0);
    expect(existsSync(join(data, 'state', 'enrich-on-failure.ndjson'))).toBe(false);
    report.serve = { kills, acknowledged: acked.length, inBronze: bronze.size, lost: 0, doubled: 0 };
  });

  describe('one data folder through enrich, etl and warehouse load', () => {
    const data = () => join(dir, 'pipeline');
    const clean = () => join(dir, 'clean');
    const acked: string[] = [];
    const today = new Date().toISOString().slice(0, 10);

    beforeAll(async () => {
      // Accepted only (no enrich): the stream holds every acknowledged event for the kills below.
      const p = start(['serve', '--port', String(await freePort()), '--data', data(), '--no-enrich']);
      const url = await listening(p);
      let batches = 0;
      const enough = () => {
        batches++;
        return batches * 100 > 30_000;
      };
      acked.push(...(await postUntil(url, 'e', enough, 4, 100)));
      p.child.kill('SIGTERM');
      expect((await p.exited).code).toBe(0);
    });

    it('enrich killed at random points: every acknowledged event in bronze once, none twice', async () => {
      const enrich = ['enrich', '--data', data(), '--no-geo', '--batch-size', '300'];
      let kills = 0;
      // Between a batch's delivery to the lake and its shard checkpoint, at the 1st to 5th batch of a run …
      for (let i = 1; i <= 5; i++)
        if (await killAfter(enrich, 600_000, { C360_FAILPOINTS: `enrich.delivered@${i}` })) kills++;
      // … then anywhere.
      for (let i = 0; i < 8; i++) {
        if (!(await killAfter(enrich, between(300, 1200)))) break;
        kills++;
      }
      await complete(['enrich', '--data', data(), '--no-geo']);
      const bronze = await lakeIds(join(data(), 'lake'), 'bronze');
      expectExactlyOnce(acked, bronze, await lakeIds(join(data(), 'lake'), 'quarantine'));
      expect(kills).toBeGreaterThan(0);
      report.enrich = { kills, acknowledged: acked.length, inBronze: bronze.size, lost: 0, doubled: 0 };
    });

    it('etl killed at random points and inside publish: silver and gold equal a clean run after the rerun', async () => {
      cpSync(data(), clean(), { recursive: true });
      const t0 = performance.now();
      await complete(['etl', '--date', today, '--data', clean()]);
      const cleanMs = performance.now() - t0;
      const expected = await lakeTables(join(clean(), 'lake'));
      expect(Object.keys(expected).length).toBeGreaterThan(5);

      const etl = ['etl', '--date', today, '--data', data()];
      let kills = 0;
      // At the named points first (between the journal and the first rename, halfway through the renames) …
      for (const point of ['etl.publish.journaled', 'etl.publish.midway']) {
        expect(await killAfter(etl, 600_000, { C360_FAILPOINTS: point })).toBe(true);
        expect(existsSync(join(data(), 'lake', '_staging'))).toBe(true);
        kills++;
      }
      // … then at random times, each run starting by finishing the publish the last one began.
      // (spread over the time a clean run took, so most land inside a run).
      for (let i = 0; i < 6; i++) if (await killAfter(etl, between(cleanMs * 0.1, cleanMs * 1.1))) kills++;
      await complete(etl);
      expect(existsSync(join(data(), 'lake', '_staging'))).toBe(false);
      expect(await lakeTables(join(data(), 'lake'))).toEqual(expected);
      report.etl = { kills, tables: Object.keys(expected).length, equalToCleanRun: true };
    });

    it('warehouse load killed at random points: the warehouse equals a clean load after the rerun', async () => {
      const t0 = performance.now();
      await complete(['warehouse', 'load', '--data', clean()]);
      const cleanMs = performance.now() - t0;
      const expected = await warehouseTables(clean());
      let kills = 0;
      for (let i = 0; i < 6; i++)
        if (await killAfter(['warehouse', 'load', '--data', data()], between(cleanMs * 0.1, cleanMs * 1.1)))
          kills++;
      await complete(['warehouse', 'load', '--data', data()]);
      expect(await warehouseTables(data())).toEqual(expected);
      report.warehouse = { kills, tables: Object.keys(expected).length, equalToCleanLoad: true };
    });
  });
});
