import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComputedProfile } from '../src/domain/profile';
import { projectRoot } from '../src/paths';
import { startHttpServer } from '../src/runtime/http-server';
import { profileRoutes } from '../src/runtime/ingest-routes';
import {
  closeLocalProfileStore,
  createLocalProfileApi,
  localPseudonymizer,
  openLocalProfileStore,
} from '../src/runtime/profiles';
import { machine } from './harness';

/**
 * The profile API over loopback, as `c360 serve` serves it (the same route and handler, the data
 * folder's LMDB store) with C360_BENCH_PROFILES profiles loaded (default 1,000,000: each with a
 * user id and an email key, so 2M identity links). The load comes from autocannon in a process
 * of its own (the other core): half the lookups by user id, half by clear email (hashed on the
 * way in), random profiles. Closed loop, each connection sending its next request when the last
 * is answered: 8 connections (the goal's load: requests/s and p99 there) and 32 (the most the
 * server answers, and what queueing does to p99). autocannon's own rate limit is not used: it
 * sends each second's quota at once and then waits, which measures bursts, not a steady rate.
 * Every answer must be a 200.
 */
export async function run(): Promise<Record<string, unknown>[]> {
  const n = Number(process.env.C360_BENCH_PROFILES ?? 1_000_000);
  const seconds = Number(process.env.C360_BENCH_PROFILE_SECONDS ?? 10);
  const dir = await mkdtemp(join(tmpdir(), 'c360-bench-profiles-'));
  try {
    const loadStarted = performance.now();
    const store = openLocalProfileStore(dir);
    const p = localPseudonymizer(dir);
    const batch = 20_000;
    for (let first = 0; first < n; first += batch) {
      const links = new Map<string, string>();
      const halves: ComputedProfile[] = [];
      for (let i = first; i < Math.min(n, first + batch); i++) {
        const customerId = `c_${i.toString(16).padStart(16, '0')}`;
        const identities = [`user_id:u${i}`, `email_hash:${p.email(`u${i}@bench.example`).hash}`];
        for (const k of identities) links.set(k, customerId);
        halves.push({
          customerId,
          identities,
          segment: ['champions', 'loyal', 'at_risk', 'hibernating'][i % 4] as string,
          lifecycleStage: 'customer',
          country: 'US',
          firstSeen: '2025-01-01T00:00:00Z',
          lastSeen: '2026-11-30T10:00:00Z',
          orders: i % 7,
          netUsd: `${i % 500}.25`,
          churnProbability: (i % 100) / 100,
          pAlive: 0.8,
          clv12mUsd: `${i % 300}.10`,
          expectedPurchases90d: 0.7,
          modelVersion: 'bench',
          scoredAt: '2026-11-30',
          recommendations: ['P-1', 'P-2', 'P-3'],
          audiences: i % 5 === 0 ? ['win_back'] : [],
          computedAt: '2026-12-01T03:00:00Z',
        });
      }
      await store.writeComputed(links, halves);
    }
    const loadS = (performance.now() - loadStarted) / 1000;
    const server = await startHttpServer({
      port: 0,
      routes: profileRoutes(
        createLocalProfileApi({
          dataDir: dir,
          readKeys: { 'bench-read-key': { name: 'bench', ratePerSecond: 1e9, burst: 1e9 } },
        }),
      ),
    });
    try {
      const script = join(dir, 'load.cjs');
      await writeFile(
        script,
        `const autocannon = require(${JSON.stringify(join(projectRoot(), 'node_modules', 'autocannon'))});
const [url, n, seconds, connections] = process.argv.slice(2);
autocannon({
  url, connections: Number(connections), duration: Number(seconds),
  headers: { authorization: 'Bearer bench-read-key' },
  requests: [{ setupRequest(req) {
    const i = Math.floor(Math.random() * Number(n));
    return { ...req, path: i % 2 ? '/v1/profiles/user_id:u' + i : '/v1/profiles/email:u' + i + '%40bench.example' };
  } }],
}, (err, r) => {
  if (err) throw err;
  process.stdout.write(JSON.stringify({ rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }));
});`,
      );
      const load = (connections: number, duration = seconds) =>
        new Promise<{ rps: number; total: number; p50: number; p99: number; non2xx: number; errors: number }>(
          (resolve, reject) => {
            const child = spawn(
              process.execPath,
              [script, server.url, String(n), String(duration), String(connections)],
              {
                stdio: ['ignore', 'pipe', 'inherit'],
              },
            );
            let out = '';
            child.stdout.on('data', (c) => {
              out += c;
            });
            child.on('exit', (code) =>
              code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`)),
            );
          },
        );
      // The load's garbage collected and the server warmed (JIT, the store's pages in memory) first.
      (globalThis as { gc?: () => void }).gc?.();
      await load(32, 3);
      const lines: Record<string, unknown>[] = [];
      for (const connections of [8, 32]) {
        const r = await load(connections);
        if (r.non2xx || r.errors)
          throw new Error(`profile API bench: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        lines.push({
          bench: 'profile_api',
          connections,
          profiles: n,
          rps: Math.round(r.rps),
          requests: r.total,
          p50_ms: r.p50,
          p99_ms: r.p99,
          goal: 'p99 <= 10 ms at >= 2000 requests/s',
          load_s: Number(loadS.toFixed(1)),
          ...machine(),
        });
      }
      return lines;
    } finally {
      await server.close();
    }
  } finally {
    await closeLocalProfileStore(dir);
    await rm(dir, { recursive: true, force: true });
  }
}
