/**
 * Writes the files rendered from the one definitions in code, so they can be reviewed and
 * deployed (tests fail when they drift):
 *   sql/reference/currencies.csv        ← src/domain/money.ts (ISO-4217 exponents)
 *   sql/warehouse/ddl/redshift.sql      ← src/domain/warehouse/model.ts
 *   sql/warehouse/ddl/duckdb.sql        ← src/domain/warehouse/model.ts
 *   sql/warehouse/exports.json          ← src/domain/warehouse/model.ts (exportPlan)
 *   src/domain/warehouse/reporting.generated.ts ← sql/warehouse/reporting/*.sql (so Lambdas carry it)
 *   docs/warehouse-tables.md            ← both (every table, view and column described)
 *   sql/gold/audience_*.sql             ← src/domain/audiences.ts (the audience definitions)
 * Run: `node scripts/build.mjs && node dist/gen-reference.mjs`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { changesSql, dailySql, definitionsSql, membersSql } from '../src/domain/audiences';
import { currenciesCsv } from '../src/domain/money';
import { renderWarehouseDocs } from '../src/domain/warehouse/docs';
import { exportPlan, WAREHOUSE_TABLES, warehouseDdl } from '../src/domain/warehouse/model';
import { orderViews, parseReportingFile, renderReportingModule } from '../src/domain/warehouse/reporting';
import { projectRoot } from '../src/paths';

const root = projectRoot();
writeFileSync(join(root, 'sql', 'reference', 'currencies.csv'), currenciesCsv());
mkdirSync(join(root, 'sql', 'warehouse', 'ddl'), { recursive: true });
for (const engine of ['redshift', 'duckdb'] as const) {
  writeFileSync(join(root, 'sql', 'warehouse', 'ddl', `${engine}.sql`), warehouseDdl(engine));
}
// The Glue job's exports for the warehouse loads (glue/run_sql.py reads it from the artifacts).
writeFileSync(
  join(root, 'sql', 'warehouse', 'exports.json'),
  `${JSON.stringify({ generated: 'from src/domain/warehouse/model.ts by scripts/gen-reference.ts: do not edit', exports: exportPlan() }, null, 2)}\n`,
);
const reporting = join(root, 'sql', 'warehouse', 'reporting');
const files = Object.fromEntries(
  readdirSync(reporting)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => [f.replace(/\.sql$/, ''), readFileSync(join(reporting, f), 'utf8')]),
);
writeFileSync(
  join(root, 'src', 'domain', 'warehouse', 'reporting.generated.ts'),
  renderReportingModule(files),
);
const views = orderViews(Object.entries(files).map(([name, text]) => parseReportingFile(name, text)));
writeFileSync(
  join(root, 'docs', 'warehouse-tables.md'),
  renderWarehouseDocs(
    WAREHOUSE_TABLES,
    views.map((view) => ({ view, text: files[view.name] as string })),
  ),
);
// The audiences' SQL, for both runners (the DuckDB runner and glue/run_sql.py read sql/).
for (const [file, text] of [
  ['audience_definitions', definitionsSql()],
  ['audience_members', membersSql()],
  ['audience_changes', changesSql()],
  ['audience_daily', dailySql()],
] as const)
  writeFileSync(join(root, 'sql', 'gold', `${file}.sql`), text);
