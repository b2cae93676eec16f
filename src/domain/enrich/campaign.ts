import { LRUCache } from 'lru-cache';
import type { CampaignInfo, ReferrerClass } from '../event';

/**
 * Campaign attribution from Segment's context.campaign, the page URL's UTM parameters and
 * click ids, and the referrer's class.
 */
const SEARCH = /(^|\.)(google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|ask|naver|startpage)\./i;
const SOCIAL =
  /(^|\.)(facebook|fb|instagram|twitter|x|t|linkedin|lnkd|pinterest|reddit|tiktok|youtube|snapchat|whatsapp|telegram|threads|mastodon)\.(com|co|me|net|in|org|social)$/i;
const EMAIL = /(^|\.)(mail\.google|outlook\.live|mail\.yahoo|mail\.aol|mail\.proton)\.|^(mail|webmail)\./i;
const PAID_MEDIUM =
  /^(cpc|ppc|paid|paidsearch|paid_social|paidsocial|display|cpm|cpv|affiliate|retargeting)$/i;
const CLICK_IDS = ['gclid', 'fbclid', 'ttclid', 'msclkid'] as const;
const QUERY_KEYS = new Set<string>([
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  ...CLICK_IDS,
]);

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function parseUrl(u: unknown): URL | null {
  if (typeof u !== 'string' || u.length === 0) return null;
  try {
    return new URL(u);
  } catch {
    return null;
  }
}

export function classifyReferrer(
  referrerHost: string | null,
  pageHost: string | null,
  medium: string | null,
  hasClickId: boolean,
): ReferrerClass {
  if (hasClickId || (medium && PAID_MEDIUM.test(medium))) return 'paid';
  if (medium && /^e-?mail|newsletter$/i.test(medium)) return 'email';
  if (!referrerHost) return medium === 'social' ? 'social' : 'direct';
  if (pageHost && (referrerHost === pageHost || referrerHost.endsWith(`.${pageHost}`))) return 'internal';
  // Webmail before search: mail.google.com is Google, but the visit came from an email.
  if (EMAIL.test(referrerHost)) return 'email';
  if (SEARCH.test(referrerHost)) return 'search';
  if (SOCIAL.test(referrerHost)) return 'social';
  return 'other';
}

/**
 * Referrer → its host (lower case), or null when it is not a URL. Referrers repeat (search
 * engines, social sites, the shop itself), so parsed hosts are kept in a bounded LRU cache.
 */
const referrerHosts = new LRUCache<string, { host: string | null }>({ max: 2_000 });
function referrerHost(referrer: unknown): string | null {
  if (typeof referrer !== 'string' || referrer.length === 0) return null;
  let hit = referrerHosts.get(referrer);
  if (hit === undefined) {
    hit = { host: parseUrl(referrer)?.hostname.toLowerCase() ?? null };
    referrerHosts.set(referrer, hit);
  }
  return hit.host;
}

export function extractCampaign(context: Record<string, unknown>): CampaignInfo | null {
  const page = (typeof context.page === 'object' && context.page !== null ? context.page : {}) as Record<
    string,
    unknown
  >;
  const given = (
    typeof context.campaign === 'object' && context.campaign !== null ? context.campaign : {}
  ) as Record<string, unknown>;
  const url = parseUrl(page.url);
  // The query's campaign parameters in one pass (first value of each, as URLSearchParams#get).
  const q = new Map<string, string>();
  if (url && url.search.length > 1)
    for (const [k, v] of url.searchParams) if (QUERY_KEYS.has(k) && !q.has(k)) q.set(k, v);
  const refHost = referrerHost(page.referrer ?? context.referrer);
  const pick = (k: string, utm: string) => str(given[k]) ?? str(q.get(utm));
  let clickIdType: CampaignInfo['clickIdType'] = null;
  let clickId: string | null = null;
  for (const id of CLICK_IDS) {
    const v = str(q.get(id)) ?? str(given[id]);
    if (v) {
      clickIdType = id;
      clickId = v;
      break;
    }
  }
  const info: CampaignInfo = {
    source: pick('source', 'utm_source'),
    medium: pick('medium', 'utm_medium'),
    name: pick('name', 'utm_campaign'),
    term: pick('term', 'utm_term'),
    content: pick('content', 'utm_content'),
    clickIdType,
    clickId,
    referrerHost: refHost,
    referrerClass: 'direct',
  };
  info.referrerClass = classifyReferrer(
    info.referrerHost,
    url?.hostname.toLowerCase() ?? null,
    info.medium,
    clickId !== null,
  );
  if (!url && refHost === null && !info.source && !info.medium && !info.name && !clickId) return null;
  return info;
}
