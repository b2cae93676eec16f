import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type SamBuildProperties, samBuildOptions } from '../../src/infra/lambda-build';
import { template } from './stack';

/**
 * Each function built as `sam build` builds it (samBuildOptions from its BuildProperties:
 * minified ESM) and run in a process of its own, as the Lambda runtime runs it: the cold start
 * reads the environment the template gives the function, the SDK talks HTTP to the emulator.
 */
const root = join(__dirname, '../..');
const outDir = join(root, 'dist', 'emulator');

export async function buildFunction(fn: string): Promise<string> {
  const props = (template.Resources[fn]?.Metadata?.BuildProperties ?? {}) as SamBuildProperties;
  const outfile = join(outDir, fn, 'index.mjs');
  const result = await build({ ...samBuildOptions(root, props), outfile });
  if (result.errors.length) throw new Error(`${fn} did not build: ${JSON.stringify(result.errors)}`);
  return outfile;
}

export type Invocation =
  | { ok: true; result: unknown; logs: string }
  | { ok: false; errorType: string; errorMessage: string; logs: string };

export function invoke(bundle: string, event: unknown, env: Record<string, string>): Promise<Invocation> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--enable-source-maps', join(__dirname, 'invoke.mjs'), bundle],
      // Only what Lambda would set: no developer credentials or settings leak in.
      { env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('@@LAMBDA@@'));
        if (!line) return reject(new Error(`${bundle} did not report (${err?.message}): ${stderr}${stdout}`));
        resolve({ ...(JSON.parse(line.slice('@@LAMBDA@@'.length)) as Invocation), logs: stdout + stderr });
      },
    );
    child.stdin?.end(JSON.stringify(event));
  });
}
