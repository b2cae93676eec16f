/**
 * Money in minor units with an ISO-4217 currency: the only money representation c360 stores.
 * Amounts are converted from decimal text exactly (string arithmetic, never `x * 100` in
 * floating point), and every active ISO-4217 code is known with its exponent.
 */

/** Active ISO-4217 codes (plus HRK, retired 2023, still in order histories) with a non-2 exponent. */
const EXPONENT: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};
const TWO_DECIMAL = `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP
  BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
  GEL GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR
  LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN
  PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB
  TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL`;
for (const code of TWO_DECIMAL.split(/\s+/)) if (code) EXPONENT[code] = 2;

/** Every ISO-4217 currency c360 accepts, with its minor-unit exponent (the reference table's source). */
export const CURRENCIES: Readonly<Record<string, number>> = EXPONENT;

export function isCurrency(code: string): boolean {
  return Object.hasOwn(EXPONENT, code);
}

/** The minor-unit exponent of an ISO-4217 code; throws for a code that is not ISO-4217. */
export function currencyExponent(currency: string): number {
  const e = EXPONENT[currency.toUpperCase()];
  if (e === undefined) throw new RangeError(`${currency} is not an ISO-4217 currency code`);
  return e;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * "19.99" or 19.99 in USD → 1999; "1000" in JPY → 1000; "1.2345" in KWD → 1235 (half away from
 * zero past the currency's exponent). Null for anything that is not a finite decimal amount, an
 * unknown currency, or an amount beyond 2^53 minor units.
 */
export function toMinorUnits(value: unknown, currency: string | null): number | null {
  if (currency === null || !isCurrency(currency)) return null;
  const exp = EXPONENT[currency] as number;
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    // A double's shortest decimal form is what the sender meant (19.99, not 19.989999…).
    text = Math.abs(value) < 1e21 ? value.toFixed(Math.min(20, exp + 6)).replace(/0+$/, '') : '';
  } else if (typeof value === 'string') text = value.trim().replace(/,/g, '');
  else return null;
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const sign = m[1] === '-' ? -1n : 1n;
  const frac = m[3] ?? '';
  const kept = frac.padEnd(exp, '0').slice(0, exp);
  let minor = BigInt(`${m[2] || '0'}${kept}`);
  const dropped = frac.slice(exp);
  if (dropped !== '' && dropped.charCodeAt(0) >= 53 /* '5' */) minor += 1n;
  const result = sign * minor;
  const n = Number(result);
  return Number.isSafeInteger(n) ? (n === 0 ? 0 : n) : null;
}

/**
 * An amount sent in hundredths of the unit (Adjust's `{revenue}` placeholder, documented "in
 * cents" whatever the currency) as decimal text in whole units, exactly: 345 → "3.45",
 * "1999.5" → "19.995". Null for anything that is not a plain decimal number.
 */
export function hundredthsToUnits(value: unknown): string | null {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else return null;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const whole = (m[2] as string).padStart(3, '0');
  const units = `${whole.slice(0, -2).replace(/^0+(?=\d)/, '')}.${whole.slice(-2)}${m[3] ?? ''}`;
  return `${m[1]}${units}`;
}

/**
 * A currency code as sent ("usd", " EUR ") → the ISO-4217 code, or the explicit default the
 * source is configured with, or null when there is neither (callers quarantine money without a
 * currency rather than guessing one).
 */
export function normalizeCurrency(c: unknown, sourceDefault?: string | null): string | null {
  if (typeof c === 'string') {
    const code = c.trim().toUpperCase();
    if (isCurrency(code)) return code;
    if (code !== '') return null;
  }
  return sourceDefault && isCurrency(sourceDefault.toUpperCase()) ? sourceDefault.toUpperCase() : null;
}

/** The reference table the SQL joins (sql/reference/currencies.csv), rendered from CURRENCIES. */
export function currenciesCsv(): string {
  const rows = Object.entries(CURRENCIES)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([c, e]) => `${c},${e},${10 ** e}`);
  return `currency,exponent,minor_per_unit\n${rows.join('\n')}\n`;
}
