import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './errors';
import { fileNamePart } from './partition';

/**
 * Who receives the daily summary and the weekly digest, and how. Embedded in
 * `DIR/state/report-subscriptions.json` (`c360 report subscribe` writes it), in AWS in the
 * ReportSubscriptionsSecret (webhook secrets and the unsubscribe signing key with them):
 * ```json
 * { "signingKey": "…32+ characters…", "sender": "reports@example.com",
 *   "unsubscribeUrl": "https://api.example.com/reports/unsubscribe",
 *   "subscriptions": [
 *     { "id": "ops-daily", "report": "daily", "email": "ops@example.com" },
 *     { "id": "champions-weekly", "report": "weekly", "filters": { "segment": "champions" },
 *       "webhook": "https://hooks.example.com/c360", "secret": "…16+ characters…" } ] }
 * ```
 * A subscription's filters are the served Purchase Trends' categories (segment, country, source):
 * its report counts only the orders they select. Unsubscribing does not edit this document: it
 * leaves a marker beside the reports (reports/unsubscribed/<id>.json), which delivery honours.
 */
export type ReportKind = 'daily' | 'weekly';

export interface Subscription {
  id: string;
  report: ReportKind;
  filters?: Record<string, string>;
  email?: string;
  webhook?: string;
  /** Signs a webhook's body (the audience destinations' scheme: c360-signature t=…,v1=HMAC). */
  secret?: string;
}

export interface SubscriptionConfig {
  signingKey: string;
  sender: string;
  unsubscribeUrl: string;
  subscriptions: Subscription[];
}

/** The filters a subscription may set (the orders view's categories). */
export const SUBSCRIPTION_FILTERS = ['segment', 'country', 'source'] as const;

const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The subscriptions document checked: each problem names its path and rule (`where`: the file or
 * secret). `defaults` fill `sender` and `unsubscribeUrl` when the document leaves them out (in AWS:
 * the ReportSender parameter and the API's URL, from the function's environment). Checked by hand,
 * as the audience destinations are: a Lambda bundle carries no schema compiler.
 */
export function parseSubscriptions(
  text: string,
  where: string,
  defaults: Partial<Pick<SubscriptionConfig, 'sender' | 'unsubscribeUrl'>> = {},
): SubscriptionConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where} is not JSON: fix it (its shape: src/domain/report-subscriptions.ts)`, {
      cause: err,
    });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`${where}: expected {"signingKey": …, "subscriptions": [...]}`);
  const c = { ...defaults, ...doc } as Partial<SubscriptionConfig> & Record<string, unknown>;
  const fail = (path: string, rule: string): never => {
    throw new ConfigError(`${where}: ${path} ${rule}`);
  };
  for (const k of Object.keys(c))
    if (!['signingKey', 'sender', 'unsubscribeUrl', 'subscriptions'].includes(k))
      fail(`/${k}`, 'is not a known field');
  if (typeof c.signingKey !== 'string' || c.signingKey.length < 32)
    fail('/signingKey', 'must be a string of 32 or more characters (it signs the unsubscribe links)');
  if (typeof c.sender !== 'string' || !ADDRESS.test(c.sender)) fail('/sender', 'must be one email address');
  if (typeof c.unsubscribeUrl !== 'string' || !/^https?:\/\/[^\s?#]+$/.test(c.unsubscribeUrl))
    fail('/unsubscribeUrl', 'must be an http(s) URL without query or fragment');
  if (!Array.isArray(c.subscriptions)) fail('/subscriptions', 'must be a list');
  const seen = new Set<string>();
  (c.subscriptions as unknown[]).forEach((x, i) => {
    const at = `/subscriptions/${i}`;
    if (!x || typeof x !== 'object' || Array.isArray(x)) fail(at, 'must be an object');
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!['id', 'report', 'filters', 'email', 'webhook', 'secret'].includes(k))
        fail(`${at}/${k}`, 'is not a known field');
    if (typeof o.id !== 'string' || !ID.test(o.id))
      fail(`${at}/id`, 'must be 1-64 letters, digits, "_" or "-"');
    if (seen.has(o.id as string)) fail(`${at}/id`, `${o.id} is used twice`);
    seen.add(o.id as string);
    if (o.report !== 'daily' && o.report !== 'weekly') fail(`${at}/report`, 'must be "daily" or "weekly"');
    if (o.filters !== undefined) {
      if (!o.filters || typeof o.filters !== 'object' || Array.isArray(o.filters))
        fail(`${at}/filters`, 'must be an object');
      for (const [k, v] of Object.entries(o.filters as object)) {
        if (!(SUBSCRIPTION_FILTERS as readonly string[]).includes(k))
          fail(`${at}/filters/${k}`, `is not a filter (${SUBSCRIPTION_FILTERS.join(', ')})`);
        if (typeof v !== 'string' || !v.length || v.length > 200)
          fail(`${at}/filters/${k}`, 'must be a string of 1-200 characters');
      }
    }
    if ((o.email === undefined) === (o.webhook === undefined))
      fail(at, 'needs either "email", or "webhook" with its "secret" (not both)');
    if (o.email !== undefined && (typeof o.email !== 'string' || !ADDRESS.test(o.email)))
      fail(`${at}/email`, 'must be one email address');
    if (o.webhook !== undefined) {
      if (typeof o.webhook !== 'string' || !/^https?:\/\/\S+$/.test(o.webhook))
        fail(`${at}/webhook`, 'must be an http(s) URL');
      if (typeof o.secret !== 'string' || o.secret.length < 16)
        fail(`${at}/secret`, 'a webhook needs a secret of 16 or more characters to sign its body with');
    } else if (o.secret !== undefined) fail(`${at}/secret`, 'is for a webhook subscription');
  });
  return c as SubscriptionConfig;
}

/** The unsubscribe token of a subscription: HMAC-SHA256 of its id under the signing key (base64url). */
export function unsubscribeToken(signingKey: string, id: string): string {
  return createHmac('sha256', signingKey).update(`unsubscribe:${id}`).digest('base64url');
}

export function verifyUnsubscribeToken(signingKey: string, id: string, token: string): boolean {
  const want = Buffer.from(unsubscribeToken(signingKey, id));
  const got = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** The link in every message: opens a page that confirms (a one-click POST also works, RFC 8058). */
export function unsubscribeLink(config: SubscriptionConfig, id: string): string {
  const q = new URLSearchParams({ s: id, t: unsubscribeToken(config.signingKey, id) });
  return `${config.unsubscribeUrl}?${q}`;
}

/**
 * A subscription's filters as a key part of its report's files: readable, and with a hash of the
 * exact values so two values that read alike ("a b", "a_b") never share a file. Empty without filters.
 */
export function filtersKey(filters: Record<string, string> = {}): string {
  const set = SUBSCRIPTION_FILTERS.filter((f) => filters[f] !== undefined);
  if (!set.length) return '';
  const slug = set.map((f) => `${f}-${fileNamePart(filters[f] as string).slice(0, 40)}`);
  const exact = createHash('sha256')
    .update(JSON.stringify(set.map((f) => [f, filters[f]])))
    .digest('hex')
    .slice(0, 8);
  return `${slug.join('-')}-${exact}`;
}

/**
 * Whether a run date delivers a kind: the daily summary every day, the weekly digest on the
 * week's last day (Sunday, UTC), when its ISO week is complete.
 */
export const isDue = (kind: ReportKind, date: string): boolean =>
  kind === 'daily' || new Date(`${date}T00:00:00Z`).getUTCDay() === 0;
