import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli/commands/rates';
import { parseRatesCsv, ratesFromEcbCsv } from '../../../src/domain/rates';

const ECB = join(__dirname, '../../fixtures/real/ecb/eurofxref-hist-excerpt.csv');

describe('exchange rates from the ECB reference file', () => {
  it('turns euro rates into USD per unit for every ISO currency of each day', () => {
    const text = readFileSync(ECB, 'utf8');
    const rates = ratesFromEcbCsv(text);
    const day = rates.filter((r) => r.date === '2024-04-26');
    // From the file's own numbers: USD 1.0714 per EUR, GBP 0.85643 per EUR, JPY 168.03 per EUR.
    expect(day.find((r) => r.currency === 'EUR')?.usdPerUnit).toBe(1.0714);
    expect(day.find((r) => r.currency === 'USD')?.usdPerUnit).toBe(1);
    expect(day.find((r) => r.currency === 'GBP')?.usdPerUnit).toBeCloseTo(1.0714 / 0.85643, 9);
    expect(day.find((r) => r.currency === 'JPY')?.usdPerUnit).toBeCloseTo(1.0714 / 168.03, 12);
    // N/A (retired CYP, EEK …) and codes that are not ISO-4217 today give no rate.
    expect(day.some((r) => r.currency === 'CYP')).toBe(false);
    expect(new Set(rates.map((r) => r.date))).toEqual(new Set(['2024-04-26', '2021-12-01', '2019-04-10']));
  });

  it('rejects a file that is not the ECB format with what is wrong', () => {
    expect(() => ratesFromEcbCsv('when,USD\n2024-01-01,1.1\n')).toThrow('first column must be "Date"');
    expect(() => ratesFromEcbCsv('Date,JPY\n2024-01-01,160\n')).toThrow('no USD column');
  });

  it('c360 rates import writes the lake reference table over the shipped one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-rates-'));
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await run(['import', ECB, '--data', dir])).toBe(0);
      const written = parseRatesCsv(
        await readFile(join(dir, 'lake', 'reference', 'currency_rates.csv'), 'utf8'),
      );
      // The shipped static rates stay (currencies the ECB lacks, dates before its history) …
      expect(written).toEqual(
        expect.arrayContaining([{ date: '1990-01-01', currency: 'KWD', usdPerUnit: 3.25 }]),
      );
      // … and the ECB's dated ones are added.
      expect(written).toEqual(
        expect.arrayContaining([{ date: '2021-12-01', currency: 'EUR', usdPerUnit: 1.1314 }]),
      );
      expect(
        await run(['import', join(dir, 'missing.csv'), '--data', dir]).catch((e: Error) => e.message),
      ).toContain('no such file');
    } finally {
      out.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
