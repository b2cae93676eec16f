import { join, relative } from 'node:path';
import { Command, Option } from 'commander';
import { DashboardCache, dashboardCacheDir } from '../../dashboards/cache';
import { renderDashboards } from '../../dashboards/render';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { closeLocalProfileStore, localLiveTimelines } from '../../runtime/profiles';
import { openWarehouse } from '../../warehouse/embedded';
import { formatRows } from '../format';
import { parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 dashboard')
    .description(
      'Renders the business dashboards (src/dashboards/definitions.ts: Customer Segmentation, Customer Lifetime ' +
        'Value, Purchase Trends, Pipeline Health) from the embedded warehouse as static HTML with the chart library ' +
        'bundled: open OUT/index.html in a browser, no network needed. Each query is timed (DashboardQueryMs). ' +
        "Query results are cached in DIR/state/dashboard-cache for each dashboard's TTL (a minute for real time, " +
        'an hour for the daily views); any warehouse load invalidates them.',
    )
    .option('--out <dir>', 'where to write the pages (default: DIR/dashboards)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR)
    .option('--no-cache', 'query the warehouse for every visual (default: cached results while fresh)');
  const parsed = parseWith<{ out?: string; format: string; data: string; cache: boolean }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const paths = localPaths(o.data);
  const outDir = o.out ?? join(paths.root, 'dashboards');
  const wh = await openWarehouse(o.data, { readOnly: true });
  try {
    const cache = o.cache ? new DashboardCache(dashboardCacheDir(o.data)) : undefined;
    const rendered = await renderDashboards({
      warehouse: wh,
      outDir,
      metricsFile: paths.metrics,
      cache,
      live: localLiveTimelines(o.data),
    });
    process.stdout.write(
      formatRows(
        rendered.map((d) => ({
          dashboard: d.title,
          file: relative(process.cwd(), d.file),
          data_from: d.range.from ?? '',
          data_to: d.range.to ?? '',
          visuals: d.visuals.length,
          slowest_query_ms: Math.max(...d.visuals.map((v) => v.ms)),
        })),
        o.format,
      ),
    );
    if (o.format === 'table') {
      if (cache)
        process.stdout.write(
          `${cache.stats.hits} cached and ${cache.stats.misses} fresh query results (a warehouse load refreshes them all; --no-cache to bypass)\n`,
        );
      process.stdout.write(`open ${relative(process.cwd(), join(outDir, 'index.html'))} in a browser\n`);
    }
  } finally {
    wh.close();
    await closeLocalProfileStore(o.data);
  }
  return 0;
}
