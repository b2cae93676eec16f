/**
 * Writes sql/reference/currencies.csv (currency, exponent, minor_per_unit) from the ISO-4217
 * table in src/domain/money.ts, the one definition both the code and the SQL use.
 * Run: `node scripts/build.mjs && node dist/gen-currencies.mjs`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currenciesCsv } from '../src/domain/money';
import { projectRoot } from '../src/paths';

writeFileSync(join(projectRoot(), 'sql', 'reference', 'currencies.csv'), currenciesCsv());
