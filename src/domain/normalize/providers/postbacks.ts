import type { RawEnvelope } from '../../event';
import { hundredthsToUnits, normalizeCurrency, toMinorUnits } from '../../money';
import { own } from '../../own';
import type { NormalizeOutcome, Normalizer } from '../types';
import {
  contentHash,
  draft,
  enumValue,
  identities,
  invalid,
  isoTime,
  num,
  obj,
  str,
  unknownType,
} from './common';

/**
 * Ad-network postbacks → ad_attribution. Unknown fields are kept under properties.raw.
 *   AppsFlyer: event_name (install | in-app name), appsflyer_id, advertising_id/idfa,
 *     customer_user_id, media_source, campaign, af_adset, af_ad, af_cost_value/af_cost_currency,
 *     revenue (appsflyerRevenue below), install_time, event_time.
 *   Adjust: activity_kind (install | event | …), adid, idfa/gps_adid, network_name,
 *     campaign_name, adgroup_name, creative_name, cost_amount/cost_currency, revenue
 *     (adjustRevenue below), event_name, created_at (unix), user_id.
 *   generic (docs/webhooks.md): action, event_name, user_id, device_id, advertising_id,
 *     media_source, campaign, adset, ad, cost, cost_currency, revenue, revenue_currency, timestamp.
 */
interface Fields {
  action:
    | 'install'
    | 'reattribution'
    | 'session'
    | 'click'
    | 'impression'
    | 'uninstall'
    | 'in_app_event'
    | 'conversion';
  eventName: string | null;
  mediaSource: string | null;
  campaign: string | null;
  adset: string | null;
  ad: string | null;
  cost: unknown;
  costCurrency: unknown;
  revenue: unknown;
  revenueCurrency: unknown;
  time: unknown;
  userId: unknown;
  deviceId: unknown;
  advertisingId: unknown;
  /** The network's documented currency for amounts sent without one (AppsFlyer: USD). */
  defaultCurrency?: string;
}

function build(env: RawEnvelope, network: string, f: Fields): NormalizeOutcome {
  const raw = obj(env.payload);
  const costCurrency = normalizeCurrency(f.costCurrency, f.defaultCurrency);
  const revenueCurrency = normalizeCurrency(f.revenueCurrency, f.defaultCurrency);
  // Money without a currency is not guessed: the postback is quarantined naming the field.
  for (const [field, value, currency] of [
    ['cost', f.cost, costCurrency],
    ['revenue', f.revenue, revenueCurrency],
  ] as const) {
    if (str(value) !== null && currency === null) {
      return invalid(network, `/${field}_currency`, `${field} needs an ISO-4217 currency`);
    }
  }
  const cost = toMinorUnits(f.cost, costCurrency);
  const revenue = toMinorUnits(f.revenue, revenueCurrency);
  // An amount that is there but not a number is said, not dropped.
  for (const [field, value, minor] of [
    ['cost', f.cost, cost],
    ['revenue', f.revenue, revenue],
  ] as const) {
    if (str(value) !== null && minor === null)
      return invalid(network, `/${field}`, `${field} "${String(value)}" is not a decimal amount`);
  }
  const userId = str(f.userId);
  return {
    ok: true,
    events: [
      draft(env, {
        eventId: env.eventId ?? contentHash(env.rawQuery ?? '', JSON.stringify(raw)),
        type: 'ad_attribution',
        event: f.action,
        originalTimestamp: isoTime(f.time),
        userId,
        properties: {
          network,
          action: f.action,
          mediaSource: f.mediaSource,
          campaign: f.campaign,
          adset: f.adset,
          ad: f.ad,
          eventName: f.eventName,
          ...(cost !== null && cost >= 0 ? { costAmount: cost, costCurrency } : {}),
          ...(revenue !== null && revenue >= 0 ? { revenueAmount: revenue, revenueCurrency } : {}),
          raw,
        },
        identities: identities(['device_id', f.deviceId], ['advertising_id', f.advertisingId]),
      }),
    ],
  };
}

const revenueAction = (revenue: unknown, fallback: Fields['action']): Fields['action'] =>
  (num(revenue) ?? 0) > 0 ? 'conversion' : fallback;

/** A JSON object from a field that may hold one as text (AppsFlyer's event_value); else {}. */
function jsonObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'string') return obj(v);
  try {
    return obj(JSON.parse(v));
  } catch {
    return {}; // "not always JSON": free text or an empty string carries no revenue
  }
}

/**
 * AppsFlyer's revenue, by the fields each Push API version fills (support.appsflyer.com, Push
 * API V2.0 and the raw data field dictionary): `event_revenue` in `event_revenue_currency` (V2,
 * raw data V5); otherwise `af_revenue` (in `af_currency`) inside `event_value`, which is what
 * AppsFlyer reports as event_revenue and is all a message without that field selected carries;
 * otherwise V1.0's `revenue_in_selected_currency` in `selected_currency`; otherwise
 * `event_revenue_usd`. A currency left out is USD, AppsFlyer's documented default.
 */
function appsflyerRevenue(p: Record<string, unknown>): { revenue: unknown; currency: unknown } {
  const present = (v: unknown) => str(v) !== null;
  if (present(p.event_revenue)) return { revenue: p.event_revenue, currency: p.event_revenue_currency };
  const value = jsonObject(p.event_value);
  if (present(value.af_revenue))
    return { revenue: value.af_revenue, currency: value.af_currency ?? p.event_revenue_currency };
  if (present(p.revenue_in_selected_currency))
    return { revenue: p.revenue_in_selected_currency, currency: p.selected_currency };
  if (present(p.event_revenue_usd)) return { revenue: p.event_revenue_usd, currency: 'USD' };
  return { revenue: undefined, currency: undefined };
}

export const normalizeAppsflyer: Normalizer = (env) => {
  const p = obj(env.payload);
  const name = str(p.event_name) ?? 'install';
  const install = name.toLowerCase() === 'install';
  const { revenue, currency } = appsflyerRevenue(p);
  return build(env, 'appsflyer', {
    action: install ? 'install' : revenueAction(revenue, 'in_app_event'),
    eventName: name,
    mediaSource: str(p.media_source) ?? str(p.pid),
    campaign: str(p.campaign) ?? str(p.c),
    adset: str(p.af_adset),
    ad: str(p.af_ad),
    cost: p.af_cost_value,
    costCurrency: p.af_cost_currency,
    revenue,
    revenueCurrency: currency,
    defaultCurrency: 'USD',
    time: p.event_time ?? p.install_time,
    userId: p.customer_user_id,
    deviceId: p.appsflyer_id ?? p.appsflyer_device_id,
    advertisingId: p.advertising_id ?? p.idfa ?? p.gaid,
  });
};

/**
 * Adjust's activity kind comes from the payload (`activity_kind`, the `{activity_kind}`
 * placeholder). A callback without it is an event when it names one (`event_token` /
 * `event_name`); otherwise the kind is unknown and the callback is quarantined, never guessed.
 */
const ADJUST_KINDS: Record<string, Fields['action']> = {
  install: 'install',
  reinstall: 'install',
  reattribution: 'reattribution',
  reattribution_reinstall: 'reattribution',
  session: 'session',
  click: 'click',
  impression: 'impression',
  uninstall: 'uninstall',
  event: 'in_app_event',
};

/**
 * Adjust's revenue, by its callback placeholders (help.adjust.com, "Ad revenue callbacks" and the
 * callback placeholder list): `{revenue_float}` is in whole units of `{currency}`, `{revenue}` in
 * cents (hundredths) of it — `revenue=345` is 3.45 —, `{reporting_revenue}` in whole units of
 * `{reporting_currency}`. The first one present wins; never a unit from one with the currency of
 * another.
 */
function adjustRevenue(p: Record<string, unknown>): { revenue: unknown; currency: unknown } {
  if (str(p.revenue_float) !== null) return { revenue: p.revenue_float, currency: p.currency };
  if (str(p.revenue) !== null)
    return { revenue: hundredthsToUnits(p.revenue) ?? p.revenue, currency: p.currency };
  if (str(p.reporting_revenue) !== null)
    return { revenue: p.reporting_revenue, currency: p.reporting_currency };
  return { revenue: undefined, currency: undefined };
}

export const normalizeAdjust: Normalizer = (env) => {
  const p = obj(env.payload);
  const kind = enumValue(p.activity_kind) ?? (str(p.event_token) || str(p.event_name) ? 'event' : null);
  if (kind === null) {
    return invalid(
      'adjust',
      '/activity_kind',
      'activity_kind is required (add activity_kind={activity_kind} to the callback URL)',
    );
  }
  const mapped = own(ADJUST_KINDS, kind);
  if (!mapped) return unknownType('adjust', p.activity_kind);
  const { revenue, currency } = adjustRevenue(p);
  return build(env, 'adjust', {
    action: mapped === 'in_app_event' ? revenueAction(revenue, 'in_app_event') : mapped,
    eventName: str(p.event_name) ?? str(p.event_token) ?? kind,
    mediaSource: str(p.network_name),
    campaign: str(p.campaign_name),
    adset: str(p.adgroup_name),
    ad: str(p.creative_name),
    cost: p.cost_amount,
    costCurrency: p.cost_currency,
    revenue,
    revenueCurrency: currency,
    time: p.created_at ?? p.installed_at,
    userId: p.user_id ?? p.customer_user_id,
    deviceId: p.adid,
    advertisingId: p.idfa ?? p.gps_adid,
  });
};

export const normalizeGenericPostback: Normalizer = (env) => {
  const p = obj(env.payload);
  const action = str(p.action);
  return build(env, str(p.network) ?? 'generic', {
    action: action === 'install' || action === 'conversion' ? action : 'in_app_event',
    eventName: str(p.event_name),
    mediaSource: str(p.media_source),
    campaign: str(p.campaign),
    adset: str(p.adset),
    ad: str(p.ad),
    cost: p.cost,
    costCurrency: p.cost_currency,
    revenue: p.revenue,
    revenueCurrency: p.revenue_currency,
    time: p.timestamp,
    userId: p.user_id,
    deviceId: p.device_id,
    advertisingId: p.advertising_id,
  });
};
