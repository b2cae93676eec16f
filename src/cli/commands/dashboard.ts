import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command, Option } from 'commander';
import { DashboardCache, dashboardCacheDir } from '../../dashboards/cache';
import { renderDashboards } from '../../dashboards/render';
import { exploreRoutes } from '../../runtime/explore-routes';
import { startHttpServer } from '../../runtime/http-server';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { closeLocalProfileStore, localLiveTimelines } from '../../runtime/profiles';
import { openWarehouse, warehouseFile } from '../../warehouse/embedded';
import { formatRows } from '../format';
import { intOption, parseWith } from '../parse';

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
    .option('--no-cache', 'query the warehouse for every visual (default: cached results while fresh)')
    .option(
      '--serve',
      'serve the dashboards live instead (/explore/: filters in the URL, drill-down to customers, CSV; a read key: c360 keys list --read), until Ctrl-C',
    )
    .option(
      '--port <port>',
      'with --serve: port to listen on (0 = any free one)',
      intOption('--port', 0, 65535),
      8089,
    );
  const parsed = parseWith<{
    out?: string;
    format: string;
    data: string;
    cache: boolean;
    serve?: boolean;
    port: number;
  }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const paths = localPaths(o.data);
  if (o.serve) {
    if (!existsSync(warehouseFile(paths.root))) {
      process.stderr.write(
        `c360 dashboard: no warehouse under ${paths.root}: run "npm start" or "c360 warehouse load" first\n`,
      );
      return 1;
    }
    const server = await startHttpServer({ port: o.port, routes: exploreRoutes({ dataDir: o.data }) });
    process.stdout.write(
      `dashboards, live: ${server.url}/explore/?key=c360-dev-read-key (a read key: c360 keys list --read); stop with Ctrl-C\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await server.close();
    return 0;
  }
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
