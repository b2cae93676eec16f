import { parseCsv } from './batch/csv';
import { isCurrency } from './money';

/**
 * Dated exchange rates: the reference table the ETL values money with (USD per unit of each
 * currency, in force from `date` until the next date of that currency). The ECB publishes
 * euro reference rates (eurofxref-hist.csv: `Date,USD,JPY,…`, units per EUR, "N/A" where a
 * currency has no rate that day); they convert to USD per unit through the day's USD rate.
 */
export interface DatedRate {
  date: string;
  currency: string;
  usdPerUnit: number;
}

export class RatesFileError extends Error {
  override name = 'RatesFileError';
}

export function ratesFromEcbCsv(text: string): DatedRate[] {
  const rows = parseCsv(text);
  const header = (rows[0]?.cells ?? []).map((c) => c.trim().toUpperCase());
  if (header[0] !== 'DATE') {
    throw new RatesFileError('not an ECB rates file: the first column must be "Date" (eurofxref-hist.csv)');
  }
  const usdCol = header.indexOf('USD');
  if (usdCol < 0)
    throw new RatesFileError('the ECB file has no USD column, so no rate can be turned into USD');
  const out: DatedRate[] = [];
  for (const { line, cells } of rows.slice(1)) {
    const date = cells[0]?.trim() ?? '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new RatesFileError(`line ${line}: Date must be YYYY-MM-DD, got "${date}"`);
    const usdPerEur = Number(cells[usdCol]);
    if (!Number.isFinite(usdPerEur) || usdPerEur <= 0) continue;
    out.push({ date, currency: 'EUR', usdPerUnit: usdPerEur }, { date, currency: 'USD', usdPerUnit: 1 });
    header.forEach((code, i) => {
      if (i === 0 || i === usdCol || !isCurrency(code)) return;
      const perEur = Number(cells[i]);
      if (Number.isFinite(perEur) && perEur > 0) {
        out.push({ date, currency: code, usdPerUnit: Number((usdPerEur / perEur).toPrecision(10)) });
      }
    });
  }
  return out;
}

/** The reference file (sql/reference/currency_rates.csv layout). */
export function ratesCsv(rates: DatedRate[]): string {
  const sorted = [...rates].sort((a, b) =>
    a.date === b.date ? (a.currency < b.currency ? -1 : 1) : a.date < b.date ? -1 : 1,
  );
  return `rate_date,currency,usd_per_unit\n${sorted.map((r) => `${r.date},${r.currency},${r.usdPerUnit}`).join('\n')}\n`;
}

/** Merges dated rates over a base table: the same date and currency is replaced, others kept. */
export function mergeRates(base: DatedRate[], update: DatedRate[]): DatedRate[] {
  const byKey = new Map(base.map((r) => [`${r.date}|${r.currency}`, r]));
  for (const r of update) byKey.set(`${r.date}|${r.currency}`, r);
  return [...byKey.values()];
}

export function parseRatesCsv(text: string): DatedRate[] {
  return parseCsv(text)
    .slice(1)
    .map(({ cells }) => ({
      date: cells[0]?.trim() ?? '',
      currency: (cells[1] ?? '').trim().toUpperCase(),
      usdPerUnit: Number(cells[2]),
    }));
}

/** Each currency's rate in force last (the latest date) among dated rates. */
export function latestByCurrency(rates: DatedRate[]): Map<string, DatedRate> {
  const latest = new Map<string, DatedRate>();
  for (const r of rates) if ((latest.get(r.currency)?.date ?? '') <= r.date) latest.set(r.currency, r);
  return latest;
}

/**
 * The latest rate of each currency in a reference rates file (`rate_date,currency,usd_per_unit`,
 * as sql/reference/currency_rates.csv and the lake's imported copy), valid codes and positive
 * rates only: the real-time tier values revenue at today's rate; the daily tables value each
 * order at the rate of its date.
 */
export function latestRates(csv: string): Map<string, number> {
  const header = (parseCsv(csv)[0]?.cells ?? []).map((c) => c.trim().toLowerCase());
  if (header.slice(0, 3).join(',') !== 'rate_date,currency,usd_per_unit')
    throw new RatesFileError('a reference rates file needs the columns rate_date, currency, usd_per_unit');
  const valid = parseRatesCsv(csv).filter(
    (r) => isCurrency(r.currency) && Number.isFinite(r.usdPerUnit) && r.usdPerUnit > 0,
  );
  return new Map([...latestByCurrency(valid)].map(([currency, r]) => [currency, r.usdPerUnit]));
}
