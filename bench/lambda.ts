import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { yamlParse } from 'yaml-cfn';
import { type SamBuildProperties, samBuildOptions } from '../src/infra/lambda-build';
import { projectRoot } from '../src/paths';
import { machine, median } from './harness';

/**
 * Lambda packages: every function of template.yaml bundled as `sam build` does (esbuild, ESM,
 * minified, with its source map), its size, and its cold init: the time to import the bundle
 * (module evaluation, clients constructed, config read) in a fresh Node process, median of 5.
 * Environment variables are the template's (Globals included), with placeholder values.
 */
interface FunctionResource {
  Type: string;
  Properties: { Environment?: { Variables?: Record<string, unknown> } };
  Metadata?: { BuildProperties?: SamBuildProperties };
}

export async function run(): Promise<Record<string, unknown>[]> {
  const root = projectRoot();
  const template = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as {
    Resources: Record<string, FunctionResource>;
    Parameters: Record<string, { Default?: unknown }>;
    Globals?: { Function?: { Environment?: { Variables?: Record<string, unknown> } } };
  };
  // A variable's value as deployed: literal, or a parameter's default; anything else a placeholder.
  const deployedValue = (k: string, v: unknown): string => {
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    const ref = (v as { Ref?: string } | null)?.Ref;
    const d = ref ? template.Parameters[ref]?.Default : undefined;
    return d === undefined ? `bench-${k.toLowerCase()}` : String(d);
  };
  const out: Record<string, unknown>[] = [];
  const dir = join(root, 'dist', 'lambda-bench');
  rmSync(dir, { recursive: true, force: true });
  for (const [name, r] of Object.entries(template.Resources).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (r.Type !== 'AWS::Serverless::Function') continue;
    const props = r.Metadata?.BuildProperties ?? {};
    const file = join(dir, name, 'index.mjs');
    mkdirSync(join(dir, name), { recursive: true });
    const result = await build({
      ...samBuildOptions(root, props),
      outfile: file,
      // ESM bundles of CommonJS dependencies need require (SAM's esbuild builds add the same banner).
      banner: {
        js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    // The package's code (a source map is uploaded beside it, read only with --enable-source-maps).
    const bytes = Object.entries(result.metafile.outputs)
      .filter(([f]) => !f.endsWith('.map'))
      .reduce((s, [, o]) => s + o.bytes, 0);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      POWERTOOLS_SERVICE_NAME: 'c360',
      POWERTOOLS_METRICS_NAMESPACE: 'c360',
    };
    // The Globals' variables (NODE_OPTIONS=--enable-source-maps among them), then the function's.
    for (const [k, v] of Object.entries({
      ...(template.Globals?.Function?.Environment?.Variables ?? {}),
      ...(r.Properties.Environment?.Variables ?? {}),
    }))
      env[k] = deployedValue(k, v);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ms = execFileSync(
        process.execPath,
        [
          '--no-warnings',
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`,
        ],
        { env, encoding: 'utf8' },
      );
      times.push(Number(ms));
    }
    out.push({
      bench: 'lambda',
      function: name,
      bundle_bytes: bytes,
      bundle_goal_bytes: 1024 * 1024,
      init_ms: Math.round(median(times) * 10) / 10,
      init_goal_ms: 200,
      machine: machine(),
    });
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}
