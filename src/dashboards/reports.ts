import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { C360Error } from '../domain/errors';
import { addDays } from '../domain/instant';
import { filtersKey, SUBSCRIPTION_FILTERS } from '../domain/report-subscriptions';
import { lit } from '../domain/sql';
import type { Engine } from '../etl/duckdb';
import type { ObjectStore } from '../ports/object-store';
import { FILTER_SETS, whereOf } from './explore';
import { esc } from './html';

/**
 * The daily summary and the weekly digest, from the warehouse's reporting views, as HTML (to read
 * or mail) and CSV (to load elsewhere): each metric for the period next to the period before (the
 * same weekday a week earlier for a day, the previous ISO week for a week) and the change.
 */
export type ReportKind = 'daily' | 'weekly';

export interface ReportLine {
  metric: string;
  value: number;
  previous: number;
  change_pct: number | null;
}

export interface Report {
  kind: ReportKind;
  /** The orders it counts (a subscription's segment / country / source); empty: all. */
  filters: Record<string, string>;
  title: string;
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  lines: ReportLine[];
  html: string;
  csv: string;
  /** The same numbers as JSON (what a webhook subscription receives). */
  json: string;
}

/** The period a report covers: the day, or the ISO week (Monday to Sunday) holding it. */
export function reportPeriod(
  kind: ReportKind,
  date: string,
): { from: string; to: string; previousFrom: string; previousTo: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    throw new C360Error(`the report date must be YYYY-MM-DD, got "${date}"`);
  if (kind === 'daily')
    return { from: date, to: date, previousFrom: addDays(date, -7), previousTo: addDays(date, -7) };
  const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  const from = addDays(date, -weekday);
  return { from, to: addDays(from, 6), previousFrom: addDays(from, -7), previousTo: addDays(from, -1) };
}

async function totals(wh: Pick<Engine, 'rows'>, from: string, to: string): Promise<Record<string, number>> {
  const [r] = await wh.rows<Record<string, string | null>>(`SELECT
      coalesce(sum(orders), 0) AS orders, coalesce(sum(buyers), 0) AS buyer_days,
      coalesce(sum(gross_usd), 0) AS gross_usd, coalesce(sum(refunds_usd), 0) AS refunds_usd,
      coalesce(sum(net_usd), 0) AS net_usd
    FROM reporting.purchase_trends WHERE order_date BETWEEN ${lit(from)} AND ${lit(to)}`);
  const [n] = await wh.rows<{
    new_customers: string;
  }>(`SELECT count(*) AS new_customers FROM gold.dim_customer
    WHERE is_current AND CAST(first_order_at AS DATE) BETWEEN ${lit(from)} AND ${lit(to)}`);
  return {
    orders: Number(r?.orders ?? 0),
    buyer_days: Number(r?.buyer_days ?? 0),
    gross_usd: Number(r?.gross_usd ?? 0),
    refunds_usd: Number(r?.refunds_usd ?? 0),
    net_usd: Number(r?.net_usd ?? 0),
    new_customers: Number(n?.new_customers ?? 0),
  };
}

/** The totals of the orders a subscription's filters select (the served dashboards' order view). */
async function filteredTotals(
  wh: Pick<Engine, 'rows'>,
  from: string,
  to: string,
  filters: Record<string, string>,
): Promise<Record<string, number>> {
  // The served dashboards' own WHERE over the same view: one place turns filters into SQL literals.
  const where = whereOf({ range: 'custom', from, to, anchor: 'latest', values: filters }, FILTER_SETS.orders);
  const [r] = await wh.rows<Record<string, string | null>>(`SELECT count(*) AS orders,
      count(DISTINCT customer_id) AS customers, coalesce(sum(net_usd), 0) AS net_usd
    FROM reporting.orders_explore WHERE ${where}`);
  return {
    orders: Number(r?.orders ?? 0),
    customers: Number(r?.customers ?? 0),
    net_usd: Number(r?.net_usd ?? 0),
  };
}

export async function buildReport(
  wh: Pick<Engine, 'rows'>,
  kind: ReportKind,
  date: string,
  generatedAt = new Date(),
  filters: Record<string, string> = {},
): Promise<Report> {
  const p = reportPeriod(kind, date);
  const filtered = SUBSCRIPTION_FILTERS.some((f) => filters[f] !== undefined);
  const sum = (from: string, to: string) =>
    filtered ? filteredTotals(wh, from, to, filters) : totals(wh, from, to);
  const [now, before] = [await sum(p.from, p.to), await sum(p.previousFrom, p.previousTo)];
  const lines: ReportLine[] = Object.keys(now).map((metric) => {
    const value = now[metric] as number;
    const previous = before[metric] as number;
    return {
      metric,
      value,
      previous,
      change_pct: previous === 0 ? null : Math.round(((value - previous) / previous) * 1000) / 10,
    };
  });
  const scope = SUBSCRIPTION_FILTERS.filter((f) => filters[f] !== undefined)
    .map((f) => `${f} = ${filters[f]}`)
    .join(', ');
  const title = `${kind === 'daily' ? `c360 daily summary, ${p.from}` : `c360 weekly digest, ${p.from} to ${p.to}`}${scope ? ` (${scope})` : ''}`;
  const compared =
    kind === 'daily'
      ? `the same weekday a week earlier (${p.previousFrom})`
      : `the week before (${p.previousFrom} to ${p.previousTo})`;
  const csv = `metric,value,previous,change_pct\n${lines.map((l) => `${l.metric},${l.value},${l.previous},${l.change_pct ?? ''}`).join('\n')}\n`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 12px;text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>
<h1>${esc(title)}</h1><p>Revenue orders from the warehouse's reporting views (USD, UTC days)${scope ? `, only orders with ${esc(scope)}` : ''}, compared with ${esc(compared)}. Generated ${esc(generatedAt.toISOString().slice(0, 16).replace('T', ' '))} UTC.</p>
<table><thead><tr><th>metric</th><th>value</th><th>previous</th><th>change</th></tr></thead><tbody>
${lines.map((l) => `<tr data-metric="${esc(l.metric)}"><td>${esc(l.metric)}</td><td>${esc(l.value)}</td><td>${esc(l.previous)}</td><td>${l.change_pct === null ? '—' : `${l.change_pct > 0 ? '+' : ''}${l.change_pct} %`}</td></tr>`).join('\n')}
</tbody></table></body></html>\n`;
  const json = `${JSON.stringify({ report: kind, title, filters, ...p, lines, generated_at: generatedAt.toISOString() })}\n`;
  return { kind, filters, title, ...p, lines, html, csv, json };
}

/** A report's file name without its extension: <kind>-<first day>[--<filters key>]. */
const reportName = (kind: ReportKind, from: string, filters: Record<string, string> | undefined) => {
  const key = filtersKey(filters);
  return `${kind}-${from}${key ? `--${key}` : ''}`;
};

/** Where a report's files are: reports/<kind>-<first day>[--<filters key>].<ext>. */
export const reportKey = (
  kind: ReportKind,
  from: string,
  filters: Record<string, string> | undefined,
  ext: 'html' | 'csv' | 'json',
) => `reports/${reportName(kind, from, filters)}.${ext}`;

/**
 * What the daily pipeline's WriteReports step does, in AWS (Redshift through the Data API, S3) and
 * embedded (DuckDB, the data folder): the day's summary and its week's digest under reports/, and
 * the same under each filter set the subscriptions ask for (`filterSets`, from PlanReports).
 */
export async function writeReportsFor(
  wh: Pick<Engine, 'rows'>,
  objects: ObjectStore,
  date: string,
  generatedAt = new Date(),
  filterSets: Record<string, string>[] = [],
): Promise<string[]> {
  const keys: string[] = [];
  const sets = new Map<string, Record<string, string>>([['', {}]]);
  for (const f of filterSets) sets.set(filtersKey(f), f);
  for (const filters of sets.values())
    for (const kind of ['daily', 'weekly'] as const) {
      const r = await buildReport(wh, kind, date, generatedAt, filters);
      for (const ext of ['html', 'csv', 'json'] as const) {
        const key = reportKey(r.kind, r.from, filters, ext);
        await objects.put(key, r[ext]);
        keys.push(key);
      }
    }
  return keys;
}

export async function writeReport(r: Report, outDir: string): Promise<{ html: string; csv: string }> {
  await mkdir(outDir, { recursive: true });
  const base = join(outDir, reportName(r.kind, r.from, r.filters));
  await writeFile(`${base}.html`, r.html);
  await writeFile(`${base}.csv`, r.csv);
  await writeFile(`${base}.json`, r.json);
  return { html: `${base}.html`, csv: `${base}.csv` };
}
