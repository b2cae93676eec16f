import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { C360Error } from '../../domain/errors';
import { latestByCurrency, mergeRates, parseRatesCsv, ratesCsv, ratesFromEcbCsv } from '../../domain/rates';
import { projectRoot } from '../../paths';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 rates')
    .description(
      'Exchange rates the ETL values money with (USD per unit, per day). "import FILE" reads the ECB\'s euro ' +
        'reference rates (eurofxref-hist.csv, from ecb.europa.eu) into DIR/lake/reference/currency_rates.csv: the ' +
        'shipped reference rates plus one rate per currency and ECB business day. Rerun the ETL for the affected ' +
        'dates afterwards; an order whose currency has no rate in force is published without a USD value and ' +
        'flagged in gold.dq_row_flags (money_has_rate) until its rate is loaded and its day rerun. ' +
        '"show" lists the latest rate of each currency.',
    )
    .argument('<action>', 'import or show')
    .argument('[file]', 'the ECB file, for import')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ data: string; format: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const values = parsed.opts;
  const [action, file] = parsed.args;
  const target = join(localPaths(values.data).lake, 'reference', 'currency_rates.csv');
  const shipped = join(projectRoot(), 'sql', 'reference', 'currency_rates.csv');
  if (action === 'show') {
    const from = existsSync(target) ? target : shipped;
    const rates = parseRatesCsv(await readFile(from, 'utf8'));
    const latest = latestByCurrency(rates);
    if (values.format === 'table')
      process.stdout.write(`${from}: ${rates.length} rates, ${latest.size} currencies\n`);
    const rows = [...latest]
      .sort()
      .map(([currency, r]) => ({ currency, usd_per_unit: r.usdPerUnit, from: r.date }));
    process.stdout.write(formatRows(rows, values.format));
    return 0;
  }
  if (action !== 'import' || !file) {
    process.stderr.write('c360 rates: use "c360 rates import FILE" or "c360 rates show"\n');
    return 2;
  }
  if (!existsSync(file))
    throw new C360Error(`no such file ${file} (download eurofxref-hist.csv from the ECB)`);
  let imported: ReturnType<typeof ratesFromEcbCsv>;
  try {
    imported = ratesFromEcbCsv(await readFile(file, 'utf8'));
  } catch (err) {
    throw new C360Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const base = parseRatesCsv(await readFile(existsSync(target) ? target : shipped, 'utf8'));
  await mkdir(join(target, '..'), { recursive: true });
  await writeFile(target, ratesCsv(mergeRates(base, imported)));
  const days = new Set(imported.map((r) => r.date));
  process.stdout.write(
    `${file}: ${imported.length} rates over ${days.size} days written to ${target}; rerun "c360 etl" for the affected dates\n`,
  );
  return 0;
}
