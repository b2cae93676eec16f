import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { yamlParse } from 'yaml-cfn';
import { type SamBuildProperties, samBuildOptions } from '../../../src/infra/lambda-build';

/**
 * Lambda reports a thrown error's `name` as its error type, and the state machines' Retry and
 * Catch match on it. `sam build` minifies, so the names must survive minification: built here
 * exactly as SAM builds a function (samBuildOptions), then loaded by a separate node process.
 */
const root = join(__dirname, '../../..');
const modules: Record<string, string> = {
  errors: 'src/domain/errors.ts',
  redshift: 'src/adapters/aws/redshift-warehouse.ts',
};

async function minifiedErrorNames(): Promise<Record<string, string>> {
  // Inside the project, so the external native package resolves from its node_modules.
  mkdirSync(join(root, 'dist'), { recursive: true });
  const dir = mkdtempSync(join(root, 'dist', 'error-names-'));
  const entry = join(dir, 'entry.ts');
  const lines = Object.entries(modules).map(
    ([alias, file]) => `export * as ${alias} from '${join(root, file)}';`,
  );
  writeFileSync(entry, lines.join('\n'));
  // The build properties of a function of template.yaml (minified, its target), another entry.
  const template = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as {
    Resources: Record<string, { Metadata?: { BuildProperties?: SamBuildProperties } }>;
  };
  const props = template.Resources.PipelineStepsFunction?.Metadata?.BuildProperties ?? {};
  expect(props.Minify).toBe(true);
  const opts = samBuildOptions(root, { ...props, External: [...(props.External ?? []), '@duckdb/node-api'] });
  await build({ ...opts, entryPoints: [entry], outfile: join(dir, 'index.mjs') });
  const script = `
    const m = await import(${JSON.stringify(join(dir, 'index.mjs'))});
    const out = {};
    for (const [alias, mod] of Object.entries(m)) for (const [exp, v] of Object.entries(mod)) {
      if (typeof v !== 'function' || !(v.prototype instanceof Error)) continue;
      let e; try { e = new v('m', 'm', 'm'); } catch (err) { e = { name: 'constructor failed: ' + err }; }
      out[alias + '.' + exp] = e.name;
    }
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
}

/** Error names the state machines match on that our own code throws (not States.* or a service's). */
function matchedNames(): string[] {
  const names = new Set<string>();
  const dir = join(root, 'statemachines');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.asl.json'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/"ErrorEquals":\s*\[([^\]]*)\]/g))
      for (const n of (m[1] ?? '').matchAll(/"([^"]+)"/g))
        if (!(n[1] as string).includes('.')) names.add(n[1] as string);
  }
  return [...names].sort();
}

describe('error names in minified bundles', () => {
  let names: Record<string, string>;
  beforeAll(async () => {
    names = await minifiedErrorNames();
  });

  it('every exported error class keeps its own name after minification', () => {
    const entries = Object.entries(names);
    expect(entries.length).toBeGreaterThanOrEqual(12);
    for (const [key, name] of entries) expect({ key, name }).toEqual({ key, name: key.split('.')[1] });
  });

  it('every error the state machines retry or catch by name is one a minified bundle throws', () => {
    const thrown = new Set(Object.values(names));
    const matched = matchedNames();
    expect(matched).toContain('DownstreamUnavailableError');
    for (const n of matched) expect({ name: n, thrown: thrown.has(n) }).toEqual({ name: n, thrown: true });
  });
});
