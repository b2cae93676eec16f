import { readFile } from 'node:fs/promises';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { warehouseVersion } from '../dashboards/cache';
import {
  csvOf,
  drillOf,
  drillSql,
  EXPLORE_DASHBOARDS,
  type ExploreDashboard,
  FilterError,
  filterChoices,
  filterSlug,
  isFiltered,
  latestDay,
  parseFilters,
  previousPeriod,
  setOf,
  visualSql,
} from '../dashboards/explore';
import { drillPage, exploreIndex, explorePage } from '../dashboards/explore-page';
import { numeric, profilePage } from '../dashboards/render';
import { fileNamePart } from '../domain/partition';
import { readKeyOf } from '../domain/read-keys';
import type { Engine } from '../etl/duckdb';
import { openWarehouse } from '../warehouse/embedded';
import type { HttpRoute } from './http-server';
import { localPaths } from './local';
import { localLiveTimelines, localReadKeyFile, localReadKeys } from './profiles';

/**
 * The served dashboards (`c360 serve`, `c360 dashboard --serve`): /explore/… answered with live
 * queries on the embedded warehouse (src/dashboards/explore.ts), behind the read keys of the
 * profile API. A browser sends its key once (`/explore/?key=…`): it is kept in an HttpOnly,
 * SameSite=Strict cookie and the key leaves the URL; API callers send `Authorization: Bearer …`.
 */
const COOKIE = 'c360_read_key';

type Result = APIGatewayProxyStructuredResultV2;
const html = (body: string, status = 200): Result => ({
  statusCode: status,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  body,
});
const problem = (status: number, message: string): Result =>
  html(`<!doctype html><title>c360</title><p id="problem" data-status="${status}">${message}</p>\n`, status);

function cookieKey(event: APIGatewayProxyEventV2): string | null {
  for (const c of event.cookies ?? []) {
    const [k, ...v] = c.split('=');
    if (k?.trim() === COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

export function exploreRoutes(
  opts: { dataDir?: string; readKeys?: Record<string, unknown>; now?: () => Date } = {},
) {
  const paths = localPaths(opts.dataDir);
  const readKeys = localReadKeys(opts);
  const now = opts.now ?? (() => new Date());

  /** Runs `answer` for a request holding a read key; a key in the URL becomes a cookie first. */
  const guarded =
    (answer: (event: APIGatewayProxyEventV2, wh: Engine) => Promise<Result>) =>
    async (event: APIGatewayProxyEventV2): Promise<Result> => {
      const inUrl = event.queryStringParameters?.key;
      const key = inUrl ?? readKeyOf(event.headers?.authorization) ?? cookieKey(event);
      if (!key)
        return problem(
          401,
          `A read key is needed: open ${event.rawPath}?key=YOUR_READ_KEY once (embedded dev key: c360-dev-read-key in ${localReadKeyFile(opts.dataDir)}; c360 keys add --read makes one).`,
        );
      if (!(await readKeys.resolve(key)))
        return problem(401, 'That is not a read key (c360 keys list --read).');
      if (inUrl) {
        const q = new URLSearchParams(event.rawQueryString ?? '');
        q.delete('key');
        const rest = q.toString();
        return {
          statusCode: 303,
          headers: { location: `${event.rawPath}${rest ? `?${rest}` : ''}`, 'cache-control': 'no-store' },
          cookies: [`${COOKIE}=${encodeURIComponent(key)}; Path=/explore; HttpOnly; SameSite=Strict`],
          body: '',
        };
      }
      let wh: Engine;
      try {
        wh = await openWarehouse(paths.root, { readOnly: true });
      } catch (err) {
        return problem(
          503,
          `The warehouse cannot be read now (${String(err)}): run "c360 warehouse load" or retry.`,
        );
      }
      try {
        return await answer(event, wh);
      } catch (err) {
        if (err instanceof FilterError) return problem(400, `Bad filter ${err.message}`);
        throw err;
      } finally {
        wh.close();
      }
    };

  const dashboardOf = (event: APIGatewayProxyEventV2): ExploreDashboard | undefined =>
    EXPLORE_DASHBOARDS.find((d) => d.id === event.pathParameters?.dashboard);

  const filtersOf = async (event: APIGatewayProxyEventV2, wh: Engine, d: ExploreDashboard) => {
    const latest = await latestDay(wh, setOf(d));
    const today = now().toISOString().slice(0, 10);
    const filters = parseFilters(new URLSearchParams(event.rawQueryString ?? ''), setOf(d), latest, today);
    return { filters, anchorDay: filters.anchor === 'today' ? today : latest };
  };

  /**
   * The drop-downs' values, per view, kept until the warehouse's next load (its data version: the
   * latest gold.load_audit row): a page view then reads one row instead of a scan per filter.
   */
  const choices = new Map<string, { version: string; values: Record<string, string[]> }>();
  const choicesOf = async (wh: Engine, d: ExploreDashboard) => {
    const set = setOf(d);
    const version = await warehouseVersion(wh);
    const kept = choices.get(set.view);
    if (kept?.version === version) return kept.values;
    const values = await filterChoices(wh, set);
    choices.set(set.view, { version, values });
    return values;
  };

  const csv = (name: string, body: string): Result => ({
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.csv"`,
      'cache-control': 'no-store',
    },
    body,
  });

  const routes: HttpRoute[] = [
    {
      method: 'GET',
      path: '/explore/echarts.min.js',
      handler: async () => ({
        statusCode: 200,
        headers: { 'content-type': 'text/javascript', 'cache-control': 'max-age=3600' },
        body: await readFile(require.resolve('echarts/dist/echarts.min.js'), 'utf8'),
      }),
    },
    {
      method: 'GET',
      path: '/explore',
      handler: guarded(async () => html(exploreIndex(EXPLORE_DASHBOARDS))),
    },
    {
      method: 'GET',
      path: '/explore/customer',
      handler: guarded(async (_e, wh) =>
        html(
          await profilePage(
            wh,
            now().toISOString().replace('T', ' ').slice(0, 16),
            localLiveTimelines(opts.dataDir),
          ),
        ),
      ),
    },
    {
      method: 'GET',
      path: '/explore/{dashboard}',
      handler: guarded(async (event, wh) => {
        const d = dashboardOf(event);
        if (!d) return problem(404, `No dashboard ${event.pathParameters?.dashboard}: see /explore/.`);
        const { filters, anchorDay } = await filtersOf(event, wh, d);
        const set = setOf(d);
        const rows = new Map<string, Record<string, unknown>[]>();
        for (const v of d.visuals) rows.set(v.id, numeric(await wh.rows(visualSql(v, filters, set))));
        // The filtered KPIs over the period before, of the same length (a comparison).
        const before = previousPeriod(filters);
        const values = new Map<string, unknown>();
        if (before)
          for (const v of d.visuals.filter((x) => x.kind === 'kpi' && isFiltered(x)))
            values.set(v.id, numeric(await wh.rows(visualSql(v, before, set)))[0]?.value ?? null);
        return html(
          explorePage({
            dashboard: d,
            filters,
            rows,
            choices: await choicesOf(wh, d),
            anchorDay,
            previous: before ? { filters: before, values } : undefined,
          }),
        );
      }),
    },
    {
      method: 'GET',
      path: '/explore/{dashboard}/{visual}',
      handler: guarded(async (event, wh) => {
        const d = dashboardOf(event);
        const name = event.pathParameters?.visual ?? '';
        const v = d?.visuals.find((x) => `${x.id}.csv` === name);
        if (!d || !v)
          return problem(404, `No visual ${name} (a visual's CSV is /explore/<dashboard>/<visual>.csv).`);
        const { filters } = await filtersOf(event, wh, d);
        return csv(
          `${d.id}-${v.id}-${filterSlug(filters)}`,
          csvOf(
            `${d.title}: ${v.title} (${v.units})`,
            isFiltered(v) ? filters : { ...filters, range: 'all', from: null, to: null, values: {} },
            await wh.rows(visualSql(v, filters, setOf(d))),
          ),
        );
      }),
    },
    {
      method: 'GET',
      path: '/explore/{dashboard}/{visual}/{list}',
      handler: guarded(async (event, wh) => {
        const d = dashboardOf(event);
        const v = d?.visuals.find((x) => x.id === event.pathParameters?.visual);
        const list = event.pathParameters?.list;
        if (!d || !v?.drill || (list !== 'customers' && list !== 'customers.csv'))
          return problem(404, 'No such drill-down: /explore/<dashboard>/<visual>/customers?x=<bar>.');
        const q = new URLSearchParams(event.rawQueryString ?? '');
        const x = q.get('x');
        if (x === null || x === '') throw new FilterError('x', 'the bar to open (its label) is needed');
        const sort = q.get('sort') ?? (drillOf(d)?.sorts[0] as string);
        const page = Number(q.get('page') ?? '1');
        if (!Number.isInteger(page) || page < 1) throw new FilterError('page', 'a page number from 1');
        const { filters } = await filtersOf(event, wh, d);
        const sql = drillSql(d, v, filters, x, sort, list === 'customers' ? page : null);
        const rows = await wh.rows(sql.rows);
        if (list === 'customers.csv')
          return csv(
            `${d.id}-${v.id}-${fileNamePart(x)}-customers-${filterSlug(filters)}`,
            csvOf(`${d.title}: customers behind ${v.title} = ${x}`, filters, rows),
          );
        const [t] = await wh.rows<{ customers: unknown; value: unknown }>(sql.total);
        return html(
          drillPage({
            dashboard: d,
            visual: v,
            filters,
            x,
            sort,
            page,
            rows: numeric(rows),
            total: { customers: Number(t?.customers ?? 0), value: Number(t?.value ?? 0) },
          }),
        );
      }),
    },
  ];
  return routes;
}
