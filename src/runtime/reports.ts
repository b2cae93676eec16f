import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FolderObjectStore } from '../adapters/local/object-store';
import { smtpMailer, startSmtpSink } from '../adapters/local/smtp';
import { ConfigError } from '../domain/errors';
import {
  parseSubscriptions,
  type Subscription,
  type SubscriptionConfig,
} from '../domain/report-subscriptions';
import { type ReportDeliveryDeps, unsubscribeRoute } from '../handlers/report-delivery';
import type { HttpRoute } from './http-server';
import { localPaths } from './local';

/**
 * The report subscriptions embedded: `DIR/state/report-subscriptions.json` (written by
 * `c360 report subscribe`, a signing key generated on the first), the reports and receipts under
 * DIR/reports/, email through SMTP: `C360_SMTP_URL` when set, else a sink on loopback that keeps
 * each message in DIR/outbox/ as an .eml file. Unsubscribe links point at `c360 serve`.
 */
export const localSubscriptionsFile = (dataDir?: string) =>
  join(localPaths(dataDir).state, 'report-subscriptions.json');
export const localOutbox = (dataDir?: string) => join(localPaths(dataDir).root, 'outbox');

const LOCAL_DEFAULTS = {
  sender: 'reports@c360.local',
  unsubscribeUrl: `http://127.0.0.1:${process.env.C360_PORT ?? '8088'}/reports/unsubscribe`,
};

/** The subscriptions (none, with a throwaway key, before the first subscribe). */
export function loadSubscriptions(dataDir?: string): SubscriptionConfig {
  const file = localSubscriptionsFile(dataDir);
  if (!existsSync(file))
    return { ...LOCAL_DEFAULTS, signingKey: randomBytes(32).toString('base64url'), subscriptions: [] };
  return parseSubscriptions(readFileSync(file, 'utf8'), file, LOCAL_DEFAULTS);
}

async function save(dataDir: string | undefined, config: SubscriptionConfig): Promise<void> {
  const file = localSubscriptionsFile(dataDir);
  // Checked as it will be read back: a bad entry is refused here, not at the next delivery.
  parseSubscriptions(JSON.stringify(config), file, LOCAL_DEFAULTS);
  await mkdir(dirname(file), { recursive: true });
  const { signingKey, subscriptions } = config;
  await writeFile(`${file}.tmp`, `${JSON.stringify({ signingKey, subscriptions }, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

export async function addSubscription(dataDir: string | undefined, s: Subscription): Promise<void> {
  const config = loadSubscriptions(dataDir);
  if (config.subscriptions.some((x) => x.id === s.id))
    throw new ConfigError(
      `subscription ${s.id} exists: pick another --id, or c360 report unsubscribe ${s.id} first`,
    );
  await save(dataDir, { ...config, subscriptions: [...config.subscriptions, s] });
}

/** Removes a subscription from the document (an operator's unsubscribe; a reader's is a marker). */
export async function removeSubscription(dataDir: string | undefined, id: string): Promise<boolean> {
  const config = loadSubscriptions(dataDir);
  const kept = config.subscriptions.filter((s) => s.id !== id);
  if (kept.length === config.subscriptions.length) return false;
  await save(dataDir, { ...config, subscriptions: kept });
  return true;
}

/**
 * Runs `fn` with the embedded delivery's dependencies; the SMTP sink (when no C360_SMTP_URL) lives
 * for the call only.
 */
export async function withLocalReportDeps<T>(
  dataDir: string | undefined,
  fn: (deps: ReportDeliveryDeps) => Promise<T>,
): Promise<T> {
  const relay = process.env.C360_SMTP_URL;
  const sink = relay ? null : await startSmtpSink(localOutbox(dataDir));
  try {
    return await fn({
      objects: new FolderObjectStore(localPaths(dataDir).root),
      config: async () => loadSubscriptions(dataDir),
      sendMail: smtpMailer(relay ?? (sink?.url as string)),
    });
  } finally {
    await sink?.close();
  }
}

/** What planning and unsubscribing need: the stored reports' state and the subscriptions (no mail). */
export const localSubscriptionDeps = (dataDir?: string) => ({
  objects: new FolderObjectStore(localPaths(dataDir).root),
  config: async () => loadSubscriptions(dataDir),
});

export interface SubscriptionStatus {
  id: string;
  report: string;
  to: string;
  filters: string;
  status: 'active' | 'unsubscribed';
  /** The latest report it received (kind and first day), and when. */
  last_delivered: string;
  delivered_at: string;
}

/** Each subscription with whether it is still active and its latest delivery (c360 report subscriptions). */
export async function subscriptionStatus(dataDir?: string): Promise<SubscriptionStatus[]> {
  const config = loadSubscriptions(dataDir);
  const objects = new FolderObjectStore(localPaths(dataDir).root);
  const unsubscribed = new Set(
    (await objects.list('reports/unsubscribed/')).map((k) =>
      k.slice('reports/unsubscribed/'.length, -'.json'.length),
    ),
  );
  const receipts = await objects.list('reports/deliveries/');
  const out: SubscriptionStatus[] = [];
  for (const s of config.subscriptions) {
    // reports/deliveries/<kind>-<YYYY-MM-DD>/<id>.json: the latest by its report's first day.
    const mine = receipts
      .filter((k) => k.endsWith(`/${s.id}.json`))
      .sort((a, b) => (a.split('/')[2]?.slice(-10) ?? '').localeCompare(b.split('/')[2]?.slice(-10) ?? ''));
    const last = mine.at(-1);
    const at = last ? (JSON.parse((await objects.get(last)).toString('utf8')) as { at: string }).at : '';
    out.push({
      id: s.id,
      report: s.report,
      to: s.email ?? s.webhook ?? '',
      filters: Object.entries(s.filters ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
      status: unsubscribed.has(s.id) ? 'unsubscribed' : 'active',
      last_delivered: last?.split('/')[2] ?? '',
      delivered_at: at,
    });
  }
  return out;
}

/** GET/POST /reports/unsubscribe in `c360 serve` (API Gateway's route in AWS): the same handler. */
export function reportRoutes(dataDir?: string): HttpRoute[] {
  const handler = unsubscribeRoute(localSubscriptionDeps(dataDir));
  return [{ method: ['GET', 'POST'], path: '/reports/unsubscribe', handler }];
}
