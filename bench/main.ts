/**
 * `npm run bench`: runs every benchmark and prints one JSON line per benchmark.
 * Each bench module exports `run(): Promise<Record<string, unknown>[]>`.
 */
const BENCHES: Record<string, () => Promise<{ run(): Promise<Record<string, unknown>[]> }>> = {
  ingest: () => import('./ingest'),
  enrich: () => import('./enrich'),
  etl: () => import('./etl'),
  'lake-bytes': () => import('./lake-bytes'),
  serve: () => import('./serve'),
  lambda: () => import('./lambda'),
  dashboard: () => import('./dashboard'),
  dashboard_filtered: () => import('./dashboard-filtered'),
  models: () => import('./models'),
  profile_api: () => import('./profile-api'),
};

async function main(): Promise<void> {
  const only = process.argv[2];
  for (const [name, load] of Object.entries(BENCHES)) {
    if (only && only !== name) continue;
    const mod = await load();
    for (const line of await mod.run()) process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
