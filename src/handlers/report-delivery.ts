import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { esc } from '../dashboards/html';
import { reportKey, reportPeriod } from '../dashboards/reports';
import {
  BadRequestError,
  C360Error,
  ForbiddenError,
  isMissingObject,
  ReportDeliveryError,
} from '../domain/errors';
import {
  isDue,
  type Subscription,
  type SubscriptionConfig,
  unsubscribeLink,
  verifyUnsubscribeToken,
} from '../domain/report-subscriptions';
import type { Mailer } from '../ports/mailer';
import type { ObjectStore } from '../ports/object-store';
import { postSigned } from './signed-post';

/**
 * The reports reach people: after the daily run writes them (WriteReports), each subscription
 * gets its report — the daily summary every day, the weekly digest when its week is complete —
 * by email (SES in AWS, SMTP embedded) or a signed webhook, with its filters and an unsubscribe
 * link. One run, one handler, both runtimes:
 * - `plan`: the filter sets the active subscriptions ask for (WriteReports renders each);
 * - `deliver`: sends what is due and not yet sent (a receipt per subscription and report under
 *   reports/deliveries/, so a retried step sends nothing twice), skips the unsubscribed, and
 *   throws ReportDeliveryError naming every subscription that failed: the state machine retries,
 *   then alerts; a failure never vanishes and never fails the day's run.
 */
export type ReportEvent = { step: 'plan'; date: string } | { step: 'deliver'; date: string };

export interface ReportDeliveryDeps {
  /** The reports (reports/…), the receipts and the unsubscribe markers. */
  objects: ObjectStore;
  config: () => Promise<SubscriptionConfig>;
  sendMail: Mailer;
  fetch?: typeof fetch;
  now?: () => number;
}

const RECEIPTS = 'reports/deliveries/';
const UNSUBSCRIBED = 'reports/unsubscribed/';

export interface DeliveryOutcome {
  date: string;
  delivered: { id: string; report: string; to: string }[];
  unsubscribed: string[];
  /** Already delivered for this report (a retried or repeated run). */
  alreadySent: string[];
  /** Not due on this date (a weekly digest before its week's Sunday). */
  notDue: string[];
}

const receiptKey = (s: Subscription, from: string) => `${RECEIPTS}${s.report}-${from}/${s.id}.json`;

async function exists(objects: ObjectStore, key: string): Promise<boolean> {
  try {
    await objects.get(key);
    return true;
  } catch (err) {
    if (isMissingObject(err)) return false;
    throw err;
  }
}

const isUnsubscribed = (objects: ObjectStore, id: string) => exists(objects, `${UNSUBSCRIBED}${id}.json`);

/** The filter sets WriteReports renders for the active subscriptions (distinct, none for "all orders"). */
export async function planReports(
  deps: Pick<ReportDeliveryDeps, 'objects' | 'config'>,
): Promise<{ filters: Record<string, string>[] }> {
  const config = await deps.config();
  const seen = new Map<string, Record<string, string>>();
  for (const s of config.subscriptions) {
    if (!s.filters || !Object.keys(s.filters).length || (await isUnsubscribed(deps.objects, s.id))) continue;
    seen.set(JSON.stringify(Object.entries(s.filters).sort()), s.filters);
  }
  return { filters: [...seen.values()] };
}

async function sendOne(
  deps: ReportDeliveryDeps,
  config: SubscriptionConfig,
  s: Subscription,
  from: string,
): Promise<string> {
  const read = async (ext: 'html' | 'csv' | 'json') => {
    const key = reportKey(s.report, from, s.filters, ext);
    try {
      return (await deps.objects.get(key)).toString('utf8');
    } catch (err) {
      if (isMissingObject(err))
        throw new Error(
          `${key} was not written: the pipeline's WriteReports writes it (embedded: c360 report ${s.report} --date ${from}${Object.entries(
            s.filters ?? {},
          )
            .map(([k, v]) => ` --${k} ${JSON.stringify(v)}`)
            .join('')})`,
        );
      throw err;
    }
  };
  const link = unsubscribeLink(config, s.id);
  if (s.email) {
    const html = await read('html');
    const csv = await read('csv');
    const title = JSON.parse(await read('json')).title as string;
    const footer = `<p style="color:#5b6577;font-size:12px">You receive this as subscription ${s.id}. <a href="${link.replace(/&/g, '&amp;')}">Unsubscribe</a>.</p>`;
    await deps.sendMail({
      from: config.sender,
      to: s.email,
      subject: title,
      html: html.replace('</body>', `${footer}</body>`),
      text: `${title}\n\n${csv}\nUnsubscribe: ${link}\n`,
      attachments: [{ filename: `${s.report}-${from}.csv`, content: csv, contentType: 'text/csv' }],
      headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    return s.email;
  }
  const report = JSON.parse(await read('json')) as {
    title?: string;
    lines?: { metric: string; value: number; previous?: number; change_pct?: number | null }[];
  };
  // `text`: the summary as one message, what chat webhooks (Slack, Teams, Mattermost) post.
  const text = [
    report.title ?? `c360 ${s.report} report`,
    ...(report.lines ?? []).map(
      (l) =>
        `${l.metric}: ${l.value}${l.previous === undefined ? '' : ` (previous ${l.previous}${l.change_pct === null || l.change_pct === undefined ? '' : `, ${l.change_pct > 0 ? '+' : ''}${l.change_pct} %`})`}`,
    ),
    `Unsubscribe: ${link}`,
  ].join('\n');
  const body = JSON.stringify({ subscription: s.id, unsubscribe: link, text, ...report });
  const url = s.webhook as string;
  const res = await postSigned({
    url,
    secret: s.secret as string,
    idempotencyKey: `${s.id}:${s.report}:${from}`,
    body,
    fetch: deps.fetch,
    now: deps.now,
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return url;
}

/** Delivers the reports due on `date` to every active subscription that has not had them. */
export async function deliverReports(deps: ReportDeliveryDeps, date: string): Promise<DeliveryOutcome> {
  const config = await deps.config();
  const out: DeliveryOutcome = { date, delivered: [], unsubscribed: [], alreadySent: [], notDue: [] };
  const failed: string[] = [];
  for (const s of config.subscriptions) {
    if (!isDue(s.report, date)) {
      out.notDue.push(s.id);
      continue;
    }
    if (await isUnsubscribed(deps.objects, s.id)) {
      out.unsubscribed.push(s.id);
      continue;
    }
    const { from } = reportPeriod(s.report, date);
    if (await exists(deps.objects, receiptKey(s, from))) {
      out.alreadySent.push(s.id);
      continue;
    }
    try {
      const to = await sendOne(deps, config, s, from);
      await deps.objects.put(
        receiptKey(s, from),
        `${JSON.stringify({ id: s.id, report: s.report, from, to, at: new Date((deps.now ?? Date.now)()).toISOString() })}\n`,
      );
      out.delivered.push({ id: s.id, report: `${s.report}-${from}`, to });
    } catch (err) {
      failed.push(`${s.id} (${s.report}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failed.length)
    throw new ReportDeliveryError(
      `${failed.length} of ${config.subscriptions.length} report subscription(s) not delivered for ${date}: ${failed.join('; ')} (${out.delivered.length} delivered; a retry sends only the missing ones)`,
    );
  return out;
}

/**
 * An unsubscribe from a message's link: the token must be the subscription's. Leaves the marker
 * delivery honours (the subscriptions document is not edited; `c360 report subscriptions` shows it).
 */
export async function unsubscribe(
  deps: Pick<ReportDeliveryDeps, 'objects' | 'config' | 'now'>,
  id: string,
  token: string,
): Promise<void> {
  const config = await deps.config();
  if (!id || !token) throw new BadRequestError('the link needs s (the subscription) and t (its token)');
  if (!config.subscriptions.some((s) => s.id === id) || !verifyUnsubscribeToken(config.signingKey, id, token))
    throw new ForbiddenError('this unsubscribe link is not valid (copy the whole link from the message)');
  await deps.objects.put(
    `${UNSUBSCRIBED}${id}.json`,
    `${JSON.stringify({ id, at: new Date((deps.now ?? Date.now)()).toISOString() })}\n`,
  );
}

export function createReportHandler(deps: ReportDeliveryDeps) {
  return async (event: ReportEvent) => {
    if (!event || typeof event.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(event.date))
      throw new BadRequestError('the event needs "date" (YYYY-MM-DD)');
    if (event.step === 'plan') return planReports(deps);
    if (event.step === 'deliver') return deliverReports(deps, event.date);
    throw new BadRequestError(
      `"step" is plan or deliver, got ${JSON.stringify((event as { step?: unknown }).step)}`,
    );
  };
}

const page = (status: number, message: string, form = ''): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>c360 reports</title></head><body><p id="unsubscribe" data-status="${status}">${esc(message)}</p>${form}</body></html>\n`,
});

/**
 * GET/POST /reports/unsubscribe?s=<subscription>&t=<token> (API Gateway in AWS, `c360 serve`
 * embedded). A GET (the link clicked, or a mail scanner following it) only asks to confirm; a POST
 * unsubscribes: the confirmation form, or a mail client's one-click (RFC 8058).
 */
export function unsubscribeRoute(deps: Pick<ReportDeliveryDeps, 'objects' | 'config' | 'now'>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const q = new URLSearchParams(event.rawQueryString ?? '');
    const method = event.requestContext?.http?.method ?? 'GET';
    const id = q.get('s') ?? '';
    const token = q.get('t') ?? '';
    if (method === 'GET') {
      if (!id || !token)
        return page(400, 'This unsubscribe link is incomplete: copy the whole link from the message.');
      return page(
        200,
        `Unsubscribe subscription ${id} from the c360 reports?`,
        `<form method="post" action="?${esc(q.toString())}"><button type="submit" id="confirm">Unsubscribe</button></form>`,
      );
    }
    try {
      await unsubscribe(deps, id, token);
    } catch (err) {
      if (err instanceof C360Error) return page(err.status, err.message);
      throw err;
    }
    return page(200, `Unsubscribed: subscription ${id} receives no more reports.`);
  };
}
