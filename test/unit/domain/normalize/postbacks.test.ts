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
    expect(['345', 345, '5', '0', '1999.5', '-250', '007'].map(hundredthsToUnits)).toEqual([
      '3.45',
      '3.45',
      '0.05',
      '0.00',
      '19.995',
      '-2.50',
      '0.07',
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
