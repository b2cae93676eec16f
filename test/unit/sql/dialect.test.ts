import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from 'node-sql-parser';
import { loadJsonConfig } from '../../../src/config/json-config';
import { loadPlan, type PipelineStep } from '../../../src/etl/plan';
import { EXECUTORS } from '../../../src/etl/steps';

/**
 * The SQL files must run on Spark (Glue) as well as DuckDB. DuckDB runs them in the ETL tests;
 * here a parser for Spark-family dialects reads each one, and a denylist keeps out DuckDB-only
 * functions and syntax (sql/README.md documents the subset).
 */
const SQL_DIR = join(__dirname, '../../../sql');
const files = ['silver', 'gold', 'dq'].flatMap((d) => readdirSync(join(SQL_DIR, d)).map((f) => `${d}/${f}`));
const planSteps = loadJsonConfig<{ steps: PipelineStep[] }>(join(SQL_DIR, 'pipeline.json')).steps;

const DUCKDB_ONLY: [RegExp, string][] = [
  [/::/, 'the :: cast (use CAST(x AS T))'],
  [/\blist_\w+\s*\(|\blist\s*\(/i, 'DuckDB list functions'],
  [/\bstruct_pack\b|\bunnest\s*\(/i, 'struct_pack / unnest (sources are flattened by the runner)'],
  [/\bepoch\s*\(|\bepoch_ms\b/i, 'epoch() (use unix_timestamp)'],
  [/\bstrftime\b|\bstrptime\b/i, 'strftime/strptime'],
  [/\bjson_extract\w*\b|->>/i, 'DuckDB JSON functions (use get_json_object)'],
  [/\bread_(json|parquet|csv)\w*\b/i, 'table functions (sources are registered by the runner)'],
  [/\bQUALIFY\b/i, 'QUALIFY'],
  [/\barg_(max|min)\b|\bstring_agg\b/i, 'arg_max/string_agg (use max_by/min_by)'],
  [/\bdate_diff\b|\bdatediff\s*\(\s*'/i, "DuckDB's datediff('part', …)"],
  [/\bEXCLUDE\s*\(|\bCOLUMNS\s*\(/i, 'EXCLUDE / COLUMNS()'],
  [/\bILIKE\b|\bSIMILAR TO\b/i, 'ILIKE / SIMILAR TO'],
];

describe('SQL portability (Spark SQL subset)', () => {
  it('every step of the plan points at an existing SQL file', async () => {
    const plan = await loadPlan(join(__dirname, '../../..'));
    for (const s of plan) {
      expect(files).toContain(s.sql);
      if (s.step) expect(files).toContain(s.step);
    }
  });

  it('the Glue job and the DuckDB runner both handle every step kind the plan uses, with the same parameters', async () => {
    const plan = await loadPlan(join(__dirname, '../../..'));
    const glue = readFileSync(join(__dirname, '../../../glue/run_sql.py'), 'utf8');
    for (const kind of new Set(plan.map((s) => s.kind))) {
      expect({ kind, glue: new RegExp(`kind (==|in) \\(?[^\\n]*"${kind}"`).test(glue) }).toEqual({
        kind,
        glue: true,
      });
      // The embedded runner: an executor for the kind (src/etl/steps).
      expect({ kind, runner: typeof EXECUTORS[kind] }).toEqual({ kind, runner: 'function' });
    }
    for (const s of plan.filter((p) => p.kind === 'keyed')) {
      // The touched list is a temp step that runs before the keyed step.
      const touched = plan.findIndex((p) => p.name === s.touched);
      expect({ step: s.name, touched: plan[touched]?.kind, before: touched < plan.indexOf(s) }).toEqual({
        step: s.name,
        touched: 'temp',
        before: true,
      });
    }
    // Every ${param} is one the Glue job renders, or declared by every step whose SQL uses it.
    for (const f of files) {
      const used = [...readFileSync(join(SQL_DIR, f), 'utf8').matchAll(/\$\{(\w+)\}/g)].map(
        (m) => m[1] as string,
      );
      const users = plan.filter((s) => s.sql === f || s.step === f);
      for (const p of new Set(used)) {
        const known =
          glue.includes(`"${p}"`) || (users.length > 0 && users.every((s) => s.params?.[p] !== undefined));
        expect({ file: f, p, known }).toEqual({ file: f, p, known: true });
      }
    }
  });

  it.each(files)('%s uses no DuckDB-only syntax', (file) => {
    const sql = readFileSync(join(SQL_DIR, file), 'utf8').replace(/--.*$/gm, '');
    const found = DUCKDB_ONLY.filter(([re]) => re.test(sql)).map(([, why]) => why);
    expect(found).toEqual([]);
  });

  it.each(files)('%s parses as Hive/Trino SQL', (file) => {
    // A step's own parameters are relation names: rendered with the first step's values.
    const own = planSteps.find((s) => (s.sql === file || s.step === file) && s.params)?.params ?? {};
    const sql = readFileSync(join(SQL_DIR, file), 'utf8').replace(
      /\$\{(\w+)\}/g,
      (_, p: string) => own[p] ?? '2026-01-01',
    );
    const parser = new Parser();
    const errors: string[] = [];
    const ok = ['hive', 'trino'].some((database) => {
      try {
        parser.astify(sql, { database });
        return true;
      } catch (err) {
        errors.push(`${database}: ${(err as Error).message.slice(0, 120)}`);
        return false;
      }
    });
    expect({ file, ok, errors: ok ? [] : errors }).toEqual({ file, ok: true, errors: [] });
  });

  it('the denylist catches DuckDB-only SQL', () => {
    const bad = "SELECT x::INT, epoch(ts), list(a) FROM read_parquet('x') QUALIFY row_number() OVER () = 1";
    expect(DUCKDB_ONLY.filter(([re]) => re.test(bad)).length).toBeGreaterThanOrEqual(5);
  });
});
