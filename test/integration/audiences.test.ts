import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature } from '../../src/domain/audience-sync';
import { lit, openDuckDb } from '../../src/etl/duckdb';
import {
  createLocalAudienceHandler,
  type Destination,
  eraseFromDestinations,
  redriveAudiences,
  syncAudiences,
} from '../../src/runtime/audiences';

const SECRET = 'whsec_audience_test_0123456789';

/** gold.audience_members as the pipeline writes it (Parquet), from rows given here. */
async function writeMembers(dir: string, rows: [string, string, string][]) {
  const out = join(dir, 'lake', 'gold', 'audience_members');
  await mkdir(out, { recursive: true });
  const db = await openDuckDb();
  try {
    const values = rows
      .map(([a, p, c]) => `(${lit(a)}, ${lit(p)}, ${lit(c)}, TIMESTAMP '2026-12-01 00:00:00')`)
      .join(', ');
    await db.run(
      `COPY (SELECT * FROM (VALUES ${values}) t(audience, purpose, customer_id, consented_at)) TO ${lit(join(out, 'data.parquet'))} (FORMAT parquet)`,
    );
  } finally {
    db.close();
  }
}

/**
 * A receiving tool: checks each call's signature, answers a key it already applied with 200 again
 * without applying it twice, and fails as told: before applying (a 503) or after applying (the
 * answer lost: a 500 although the batch was applied).
 */
function receiver(failure: (call: number) => 'before' | 'after' | null) {
  const seenKeys = new Set<string>();
  const members = new Map<string, Set<string>>();
  const applied: { audience: string; op: string; customer_id: string }[] = [];
  let calls = 0;
  let badSignatures = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      calls++;
      if (
        !verifySignature(SECRET, String(req.headers['c360-signature']), body, Math.floor(Date.now() / 1000))
      ) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const fail = failure(calls);
      if (fail === 'before') {
        res.writeHead(503).end();
        return;
      }
      const key = String(req.headers['idempotency-key']);
      if (!seenKeys.has(key)) {
        seenKeys.add(key);
        const b = JSON.parse(body) as { audience: string; operations: { op: string; customer_id: string }[] };
        const m = members.get(b.audience) ?? new Set<string>();
        for (const o of b.operations) {
          applied.push({ audience: b.audience, ...o });
          if (o.op === 'enter') m.add(o.customer_id);
          else m.delete(o.customer_id);
        }
        members.set(b.audience, m);
      }
      res.writeHead(fail === 'after' ? 500 : 200).end();
    });
  });
  return {
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`),
        ),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    members,
    applied,
    get calls() {
      return calls;
    },
    get badSignatures() {
      return badSignatures;
    },
  };
}

const noWait = { sleep: async () => {} };
const sorted = (s: Iterable<string> | undefined) => [...(s ?? [])].sort();

describe('audience destinations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-audiences-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers signed batches through a receiver failing half the time: no member lost or repeated, entries and exits', async () => {
    const winBack = Array.from({ length: 230 }, (_, i) => `c_w${String(i).padStart(3, '0')}`);
    const best = Array.from({ length: 40 }, (_, i) => `c_b${i}`);
    await writeMembers(dir, [
      ...winBack.map((c) => ['win_back', 'marketing', c] as [string, string, string]),
      ...best.map((c) => ['best_customers', 'advertising', c] as [string, string, string]),
    ]);
    // Every other call fails: alternately before applying and after applying (its answer lost).
    const r = receiver((n) => (n % 2 === 0 ? (n % 4 === 0 ? 'after' : 'before') : null));
    const url = await r.start();
    try {
      const dest: Destination = {
        name: 'crm',
        type: 'webhook',
        url,
        secret: SECRET,
        audiences: '*',
        batchSize: 50,
      };
      const rows = await syncAudiences({ dataDir: dir, destinations: [dest], ...noWait });
      expect(r.badSignatures).toBe(0);
      expect(sorted(r.members.get('win_back'))).toEqual(winBack);
      expect(sorted(r.members.get('best_customers'))).toEqual(sorted(best));
      // Each member applied once: the retries of a batch applied before its answer was lost were
      // recognized by their idempotency key.
      const enters = r.applied.filter((a) => a.op === 'enter').map((a) => `${a.audience}/${a.customer_id}`);
      expect(enters.length).toBe(winBack.length + best.length);
      expect(new Set(enters).size).toBe(enters.length);
      const byAudience = Object.fromEntries(rows.map((x) => [x.audience, x]));
      expect(byAudience.win_back).toMatchObject({ entered: 230, exited: 0, batches: 5, dead_lettered: 0 });
      expect(rows.reduce((a, x) => a + x.retries, 0)).toBeGreaterThan(0);

      // The next run: 30 left win_back (an order, a withdrawn consent), 5 entered.
      const next = [...winBack.slice(30), 'c_new1', 'c_new2', 'c_new3', 'c_new4', 'c_new5'];
      await writeMembers(dir, [
        ...next.map((c) => ['win_back', 'marketing', c] as [string, string, string]),
        ...best.map((c) => ['best_customers', 'advertising', c] as [string, string, string]),
      ]);
      const again = await syncAudiences({ dataDir: dir, destinations: [dest], ...noWait });
      expect(again.find((x) => x.audience === 'win_back')).toMatchObject({
        entered: 5,
        exited: 30,
        dead_lettered: 0,
      });
      expect(again.find((x) => x.audience === 'best_customers')).toMatchObject({
        entered: 0,
        exited: 0,
        batches: 0,
      });
      expect(sorted(r.members.get('win_back'))).toEqual(next.sort());
    } finally {
      await r.stop();
    }
  });

  it("the daily pipeline's path: the members Athena exported (quoted CSV) synced by the audience function; a dead destination's batches dead-lettered and counted for the alert", async () => {
    // As the ExportAudiences state writes it: header, every field quoted, in the lake bucket.
    const rows = [
      ['best_customers', 'advertising', 'c_9'],
      ['win_back', 'marketing', 'c_1'],
      ['win_back', 'marketing', 'c_"2"'],
    ];
    await mkdir(join(dir, 'lake', 'athena-results'), { recursive: true });
    await mkdir(join(dir, 'state'), { recursive: true });
    writeFileSync(
      join(dir, 'lake', 'athena-results', 'q1.csv'),
      `"audience","purpose","customer_id"\n${rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\n')}\n`,
    );
    const r = receiver(() => null);
    const url = await r.start();
    try {
      writeFileSync(
        join(dir, 'state', 'destinations.json'),
        JSON.stringify({
          destinations: [
            { name: 'crm', type: 'webhook', url, secret: SECRET, audiences: '*' },
            // Nothing listens there: refused on every attempt.
            {
              name: 'gone',
              type: 'webhook',
              url: 'http://127.0.0.1:9/hook',
              secret: SECRET,
              audiences: ['win_back'],
              maxAttempts: 2,
            },
          ],
        }),
      );
      const handle = await createLocalAudienceHandler(dir, 'c360-lake-local', noWait);
      const out = await handle({ step: 'sync', members: 's3://c360-lake-local/athena-results/q1.csv' });
      expect(out).toEqual({
        audiences: 2,
        destinations: 2,
        entered: 3 + 2,
        exited: 0,
        deleted: 0,
        batches: 2 + 1,
        retries: 1,
        dead_lettered: 1,
      });
      expect(sorted(r.members.get('win_back'))).toEqual(['c_"2"', 'c_1']);
      expect(sorted(r.members.get('best_customers'))).toEqual(['c_9']);
      expect(readdirSync(join(dir, 'state', 'audiences', 'dead-letter'))).toHaveLength(1);
      // A URI outside the lake bucket is refused, naming the bucket.
      await expect(handle({ step: 'sync', members: 's3://elsewhere/q1.csv' })).rejects.toThrow(
        'in the lake bucket c360-lake-local',
      );
    } finally {
      await r.stop();
    }
  });

  it("an earlier release's delivery state (one held file per destination, dead-letter.ndjson) is taken over: its dead letters redriven, its members still held", async () => {
    await writeMembers(dir, [
      ['win_back', 'marketing', 'c_1'],
      ['win_back', 'marketing', 'c_2'],
    ]);
    const r = receiver(() => null);
    const url = await r.start();
    try {
      const dest: Destination = { name: 'email', type: 'webhook', url, secret: SECRET, audiences: '*' };
      // As the earlier release left it: c_1 held, the batch entering c_2 dead-lettered.
      const legacy = join(dir, 'state', 'audiences');
      await mkdir(legacy, { recursive: true });
      writeFileSync(join(legacy, 'email.json'), JSON.stringify({ audiences: { win_back: ['c_1'] } }));
      const parked = {
        destination: 'email',
        audience: 'win_back',
        id: 'legacy-batch-1',
        operations: [{ op: 'enter', customer_id: 'c_2' }],
      };
      writeFileSync(
        join(legacy, 'dead-letter.ndjson'),
        `${JSON.stringify({ batch: parked, error: 'answered 503', at: '2026-12-01T00:00:00.000Z' })}\n`,
      );
      expect(await redriveAudiences({ dataDir: dir, destinations: [dest], ...noWait })).toEqual({
        redriven: 1,
        still_failing: 0,
      });
      expect(r.applied).toEqual([{ audience: 'win_back', op: 'enter', customer_id: 'c_2' }]);
      expect(existsSync(join(legacy, 'dead-letter.ndjson'))).toBe(false);
      // Both held now: the next sync sends nothing.
      const rows = await syncAudiences({ dataDir: dir, destinations: [dest], ...noWait });
      expect(rows).toEqual([
        expect.objectContaining({ audience: 'win_back', entered: 0, exited: 0, batches: 0 }),
      ]);
      expect(r.calls).toBe(1);
    } finally {
      await r.stop();
    }
  });

  it('a receiver that refuses everything: batches dead-lettered, nothing counted as held; redrive delivers them once it answers', async () => {
    const members = ['c_1', 'c_2', 'c_3'];
    await writeMembers(
      dir,
      members.map((c) => ['win_back', 'marketing', c] as [string, string, string]),
    );
    let down = true;
    const r = receiver(() => (down ? 'before' : null));
    const url = await r.start();
    try {
      const dest: Destination = {
        name: 'email',
        type: 'webhook',
        url,
        secret: SECRET,
        audiences: ['win_back'],
        batchSize: 2,
        maxAttempts: 3,
      };
      const rows = await syncAudiences({ dataDir: dir, destinations: [dest], ...noWait });
      expect(rows).toEqual([
        {
          destination: 'email',
          audience: 'win_back',
          entered: 3,
          exited: 0,
          deleted: 0,
          batches: 2,
          retries: 4,
          dead_lettered: 2,
        },
      ]);
      expect(r.calls).toBe(6);
      down = false;
      expect(await redriveAudiences({ dataDir: dir, destinations: [dest], ...noWait })).toEqual({
        redriven: 2,
        still_failing: 0,
      });
      expect(sorted(r.members.get('win_back'))).toEqual(members);
      // Held now: the next sync has nothing to send.
      const calls = r.calls;
      const after = await syncAudiences({ dataDir: dir, destinations: [dest], ...noWait });
      expect(after[0]).toMatchObject({ entered: 0, exited: 0, batches: 0 });
      expect(r.calls).toBe(calls);

      // Erasure: the destination that holds c_2 is sent its delete and stops holding it.
      const erased = await eraseFromDestinations({
        dataDir: dir,
        customerIds: ['c_2'],
        destinations: [dest],
        ...noWait,
      });
      expect(erased).toEqual([
        {
          destination: 'email',
          audience: 'win_back',
          entered: 0,
          exited: 0,
          deleted: 1,
          batches: 1,
          retries: 0,
          dead_lettered: 0,
        },
      ]);
      expect(sorted(r.members.get('win_back'))).toEqual(['c_1', 'c_3']);
      expect(r.applied.filter((a) => a.op === 'delete')).toEqual([
        { audience: 'win_back', op: 'delete', customer_id: 'c_2' },
      ]);
      const held = readFileSync(join(dir, 'state', 'audiences', 'held', 'email.json'), 'utf8');
      expect(held).not.toContain('c_2');
    } finally {
      await r.stop();
    }
  });

  it('a file destination writes each batch as CSV named by its key', async () => {
    await writeMembers(dir, [
      ['best_customers', 'advertising', 'c_9'],
      ['best_customers', 'advertising', 'c_8'],
    ]);
    const rows = await syncAudiences({
      dataDir: dir,
      destinations: [{ name: 'exports', type: 'file', audiences: '*' }],
    });
    expect(rows[0]).toMatchObject({ audience: 'best_customers', entered: 2, batches: 1 });
    const folder = join(dir, 'lake', 'exports', 'audiences', 'exports', 'best_customers');
    expect(existsSync(folder)).toBe(true);
    const [file] = readdirSync(folder);
    expect(readFileSync(join(folder, file as string), 'utf8')).toBe('op,customer_id\nenter,c_8\nenter,c_9\n');
  });

  it('a Parquet file destination: DuckDB reads back every operation, ids exactly as sent; CSV quotes an id that needs it', async () => {
    const ids = ['c_8', 'c,"9"', 'c_ü'];
    await writeMembers(
      dir,
      ids.map((c) => ['best_customers', 'advertising', c] as [string, string, string]),
    );
    await syncAudiences({
      dataDir: dir,
      destinations: [
        { name: 'lake-parquet', type: 'file', format: 'parquet', audiences: '*' },
        { name: 'lake-csv', type: 'file', audiences: '*' },
      ],
    });
    const folder = (name: string) => join(dir, 'lake', 'exports', 'audiences', name, 'best_customers');
    const [pq] = readdirSync(folder('lake-parquet'));
    expect(pq).toMatch(/^[0-9a-f]{32}\.parquet$/);
    const db = await openDuckDb();
    try {
      const back = await db.rows<{ op: string; customer_id: string }>(
        `SELECT op, customer_id FROM read_parquet(${lit(join(folder('lake-parquet'), pq as string))})`,
      );
      expect(back).toEqual([...ids].sort().map((customer_id) => ({ op: 'enter', customer_id })));
      const [csv] = readdirSync(folder('lake-csv'));
      const fromCsv = await db.rows<{ op: string; customer_id: string }>(
        `SELECT op, customer_id FROM read_csv(${lit(join(folder('lake-csv'), csv as string))}, header = true, all_varchar = true)`,
      );
      expect(fromCsv).toEqual(back);
      // Erasure rewrites both files in place without the person, keeping everyone else.
      const erased = await eraseFromDestinations({
        dataDir: dir,
        customerIds: ['c,"9"'],
        destinations: [
          { name: 'lake-parquet', type: 'file', format: 'parquet', audiences: '*' },
          { name: 'lake-csv', type: 'file', audiences: '*' },
        ],
      });
      // Each folder still holds its one batch file, and no file anywhere names the person.
      for (const name of ['lake-parquet', 'lake-csv']) expect(readdirSync(folder(name))).toHaveLength(1);
      expect(
        [
          ...readdirSync(folder('lake-csv')).map((f) => readFileSync(join(folder('lake-csv'), f), 'utf8')),
        ].join(''),
      ).not.toContain('9""');
      expect(erased.map((r) => [r.destination, r.deleted])).toEqual([
        ['lake-parquet', 1],
        ['lake-csv', 1],
      ]);
      const rest = [...ids]
        .filter((c) => c !== 'c,"9"')
        .sort()
        .map((customer_id) => ({ op: 'enter', customer_id }));
      expect(
        await db.rows(
          `SELECT op, customer_id FROM read_parquet(${lit(join(folder('lake-parquet'), pq as string))})`,
        ),
      ).toEqual(rest);
      expect(
        await db.rows(
          `SELECT op, customer_id FROM read_csv(${lit(join(folder('lake-csv'), csv as string))}, header = true, all_varchar = true)`,
        ),
      ).toEqual(rest);
    } finally {
      db.close();
    }
  });
});
