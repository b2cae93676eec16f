import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hundredthsToUnits } from '../../../../src/domain/money';
import { normalize } from '../../../../src/domain/normalize';
import { providerEnvelope } from '../../../helpers/envelopes';

/**
 * Ad-network revenue by each network's documented fields and units (issue 28, defect 2). The
 * base payloads are the networks' own (test/fixtures/real/SOURCES.md); the revenue fields are
 * set as the networks document them.
 */
const REAL = join(__dirname, '../../../fixtures/real');
const adjustQuery = readFileSync(join(REAL, 'adjust/callback-no-activity-kind.query'), 'utf8').trim();
const appsflyerV2 = JSON.parse(readFileSync(join(REAL, 'appsflyer/push-api-in-app-event.json'), 'utf8'));

/** An Adjust callback as the postback edge parses it: the query's parameters. */
const adjust = (extra: string) =>
  normalize(providerEnvelope('adjust', Object.fromEntries(new URLSearchParams(`${adjustQuery}&${extra}`))));
const money = (out: ReturnType<typeof normalize>) =>
  out.ok
    ? {
        amount: out.events[0]?.properties.revenueAmount ?? null,
        currency: out.events[0]?.properties.revenueCurrency ?? null,
        action: out.events[0]?.properties.action,
      }
    : { error: out.detail };

describe('Adjust revenue placeholders (help.adjust.com: {revenue} in cents, {revenue_float} in units)', () => {
  it('{revenue}=345 is 3.45 of {currency}, not 345.00', () => {
    expect(money(adjust('revenue=345&currency=usd'))).toEqual({
      amount: 345,
      currency: 'USD',
      action: 'conversion',
    });
  });
  it('{revenue_float} is in whole units and wins when both are sent', () => {
    expect(money(adjust('revenue_float=3.99&currency=usd'))).toMatchObject({ amount: 399, currency: 'USD' });
    expect(money(adjust('revenue=399&revenue_float=3.99&currency=EUR'))).toMatchObject({
      amount: 399,
      currency: 'EUR',
    });
  });
  it('cents of a currency without minor units, and of one with three, stay exact', () => {
    // 34500 hundredths of a yen = 345 yen (JPY has no minor unit); 1234 hundredths of a dinar = 12.34 KWD = 12340 fils.
    expect(money(adjust('revenue=34500&currency=JPY'))).toMatchObject({ amount: 345, currency: 'JPY' });
    expect(money(adjust('revenue=1234&currency=KWD'))).toMatchObject({ amount: 12340, currency: 'KWD' });
  });
  it('{reporting_revenue} goes with {reporting_currency} only, never with {currency}', () => {
    expect(money(adjust('reporting_revenue=4.10&reporting_currency=EUR&currency=USD'))).toMatchObject({
      amount: 410,
      currency: 'EUR',
    });
  });
  it('a revenue that is not a number is quarantined naming the field, not dropped', () => {
    expect(money(adjust('revenue=abc&currency=USD'))).toEqual({ error: expect.stringContaining('/revenue') });
  });
});

describe('AppsFlyer Push API revenue by version', () => {
  const af = (fields: Record<string, unknown>) =>
    normalize(providerEnvelope('appsflyer', { ...appsflyerV2, event_name: 'af_purchase', ...fields }));
  it('V2: event_revenue in event_revenue_currency', () => {
    expect(
      money(af({ event_revenue: '2.99', event_revenue_currency: 'EUR', event_revenue_usd: '3.24' })),
    ).toEqual({
      amount: 299,
      currency: 'EUR',
      action: 'conversion',
    });
  });
  it('event_revenue not selected: af_revenue inside event_value (JSON text), in af_currency', () => {
    expect(
      money(
        af({
          event_revenue: null,
          event_value: '{"af_revenue":"12.50","af_currency":"GBP","af_quantity":"1"}',
        }),
      ),
    ).toMatchObject({ amount: 1250, currency: 'GBP' });
    // Without af_currency: the message's event_revenue_currency (the fixture's USD).
    expect(money(af({ event_revenue: null, event_value: '{"af_revenue":7}' }))).toMatchObject({
      amount: 700,
      currency: 'USD',
    });
  });
  it('an event_value that is not JSON carries no revenue and stops nothing', () => {
    expect(money(af({ event_revenue: null, event_value: 'level=10;score=3387' }))).toEqual({
      amount: null,
      currency: null,
      action: 'in_app_event',
    });
  });
  it('V1.0: revenue_in_selected_currency in selected_currency; else event_revenue_usd', () => {
    expect(
      money(af({ event_revenue: null, revenue_in_selected_currency: '5.00', selected_currency: 'CAD' })),
    ).toMatchObject({ amount: 500, currency: 'CAD' });
    expect(
      money(af({ event_revenue: null, event_revenue_usd: '1.99', event_revenue_currency: 'EUR' })),
    ).toMatchObject({
      amount: 199,
      currency: 'USD',
    });
  });
});

describe('hundredthsToUnits', () => {
  it('moves the decimal point two places, exactly', () => {
    expect(
      ['345', 345, '5', '0', '1999.5', '1999.55', '-250', '007', ' 345 ', '10005', '00005', '0345'].map(
        hundredthsToUnits,
      ),
    ).toEqual([
      '3.45',
      '3.45',
      '0.05',
      '0.00',
      '19.995',
      '19.9955',
      '-2.50',
      '0.07',
      '3.45',
      '100.05',
      '0.05',
      '3.45',
    ]);
    expect(['', 'abc', '1e5', null, Number.NaN].map(hundredthsToUnits)).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('ad-network fields by each network', () => {
  const afInstall = JSON.parse(readFileSync(join(REAL, 'appsflyer/install-push.json'), 'utf8'));
  const first = (out: ReturnType<typeof normalize>) => (out.ok ? out.events[0] : undefined);
  it('money that cannot be taken is quarantined with its field: no currency, not a number', () => {
    expect(adjust('revenue=345')).toMatchObject({
      ok: false,
      errors: [{ path: '/revenue_currency', message: 'revenue needs an ISO-4217 currency' }],
    });
    expect(adjust('revenue_float=abc&currency=USD')).toMatchObject({
      ok: false,
      errors: [{ path: '/revenue', message: 'revenue "abc" is not a decimal amount' }],
    });
  });
  it('a zero revenue is kept; a negative one (a reversal) is left in raw, not taken as revenue', () => {
    expect(money(adjust('revenue_float=0&currency=USD'))).toMatchObject({ amount: 0, currency: 'USD' });
    const neg = first(adjust('revenue_float=-1.50&currency=USD'));
    expect(neg?.properties.revenueAmount).toBeUndefined();
    expect((neg?.properties.raw as Record<string, unknown> | undefined)?.revenue_float).toBe('-1.50');
  });
  it("AppsFlyer's event_value as an object (not text) is read too", () => {
    expect(
      money(
        normalize(
          providerEnvelope('appsflyer', {
            ...appsflyerV2,
            event_name: 'af_purchase',
            event_revenue: null,
            event_value: { af_revenue: '4.20', af_currency: 'EUR' },
          }),
        ),
      ),
    ).toMatchObject({ amount: 420, currency: 'EUR' });
  });
  it('AppsFlyer install push: an install with its media source, ids and time (fields per the Push API)', () => {
    const e = first(normalize(providerEnvelope('appsflyer', afInstall)));
    expect(e?.properties).toMatchObject({
      action: 'install',
      network: 'appsflyer',
      eventName: afInstall.event_name ?? 'install',
    });
    expect(e?.identities).toContainEqual({
      type: 'device_id',
      value: String(afInstall.appsflyer_id ?? afInstall.appsflyer_device_id),
    });
    // The legacy names (pid, c, appsflyer_device_id, idfa/gaid) when the current ones are absent.
    const legacy = first(
      normalize(
        providerEnvelope('appsflyer', {
          event_name: 'af_login',
          pid: 'googleadwords_int',
          c: 'spring',
          appsflyer_device_id: 'dev-1',
          gaid: 'gaid-1',
          customer_user_id: 'cu-1',
        }),
      ),
    );
    expect(legacy?.properties).toMatchObject({
      mediaSource: 'googleadwords_int',
      campaign: 'spring',
      action: 'in_app_event',
    });
    expect(legacy?.userId).toBe('cu-1');
    expect(legacy?.identities).toEqual([
      { type: 'device_id', value: 'dev-1' },
      { type: 'advertising_id', value: 'gaid-1' },
    ]);
    const current2 = first(
      normalize(
        providerEnvelope('appsflyer', {
          event_name: 'x',
          media_source: 'm',
          pid: 'p',
          campaign: 'c1',
          c: 'c2',
          appsflyer_id: 'a',
          appsflyer_device_id: 'b',
          advertising_id: 'ad',
          idfa: 'i',
        }),
      ),
    );
    expect(current2?.properties).toMatchObject({ mediaSource: 'm', campaign: 'c1' });
    expect(current2?.identities).toEqual([
      { type: 'device_id', value: 'a' },
      { type: 'advertising_id', value: 'ad' },
    ]);
  });
  it('Adjust: an unknown activity kind is quarantined as such; event name and user id fallbacks', () => {
    expect(adjust('activity_kind=teleport')).toMatchObject({
      ok: false,
      reason: 'unknown_type',
      detail: expect.stringContaining('adjust'),
    });
    expect(first(adjust('activity_kind=event&event_token=tok1&customer_user_id=cu-9'))).toMatchObject({
      userId: 'cu-9',
      properties: { eventName: 'Click' }, // the fixture's event_name wins over the token
    });
    const noName = first(
      normalize(providerEnvelope('adjust', { activity_kind: 'event', event_token: 'tok2', adid: 'x' })),
    );
    expect(noName?.properties.eventName).toBe('tok2');
    expect(
      first(normalize(providerEnvelope('adjust', { activity_kind: 'session', adid: 'x' })))?.properties
        .eventName,
    ).toBe('session');
  });
  it('generic postbacks (docs/webhooks.md): install and conversion as sent, anything else an in-app event', () => {
    const g = (p: Record<string, unknown>) => first(normalize(providerEnvelope('generic', p)));
    expect(g({ action: 'install', device_id: 'd1', network: 'tiktok' })?.properties).toMatchObject({
      action: 'install',
      network: 'tiktok',
    });
    expect(
      g({ action: 'conversion', revenue: '9.99', revenue_currency: 'EUR', user_id: 'u1' }),
    ).toMatchObject({
      userId: 'u1',
      properties: { action: 'conversion', network: 'generic', revenueAmount: 999, revenueCurrency: 'EUR' },
    });
    expect(
      g({
        action: 'level_up',
        event_name: 'lvl',
        media_source: 'ms',
        campaign: 'cp',
        adset: 'as',
        ad: 'ad1',
        cost: '0.10',
        cost_currency: 'USD',
        advertising_id: 'ga',
      }),
    ).toMatchObject({
      properties: {
        action: 'in_app_event',
        eventName: 'lvl',
        mediaSource: 'ms',
        campaign: 'cp',
        adset: 'as',
        ad: 'ad1',
        costAmount: 10,
        costCurrency: 'USD',
      },
      identities: [{ type: 'advertising_id', value: 'ga' }],
    });
  });
});
