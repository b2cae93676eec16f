// Bundles the c360 CLI and the benchmark runner into dist/ (ESM, dependencies external).
import { build } from 'esbuild';

const banner = [
  "import { createRequire as __c360CreateRequire } from 'node:module';",
  "import { fileURLToPath as __c360FileURLToPath } from 'node:url';",
  "import { dirname as __c360Dirname } from 'node:path';",
  'const require = __c360CreateRequire(import.meta.url);',
  'const __filename = __c360FileURLToPath(import.meta.url);',
  'const __dirname = __c360Dirname(__filename);',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  banner: { js: banner },
  logLevel: 'warning',
};

// `--cli-to <dir>`: only the CLI, into another folder (the crash suite builds its own copy).
const cliTo = process.argv.indexOf('--cli-to');
const only = cliTo > 0 ? process.argv[cliTo + 1] : null;

const entries = {
  cli: 'src/cli/main.ts',
  bench: 'bench/main.ts',
  'make-events': 'scripts/make-events.ts',
  'gen-reference': 'scripts/gen-reference.ts',
  'gen-slo-alarms': 'scripts/gen-slo-alarms.ts',
  'gen-quicksight': 'scripts/gen-quicksight.ts',
  'gen-warehouse-setup': 'scripts/gen-warehouse-setup.ts',
  'gen-validators': 'scripts/gen-validators.ts',
  'gen-artifacts': 'scripts/gen-artifacts.ts',
  'gen-checks': 'scripts/gen-checks.ts',
  'gen-identity': 'scripts/gen-identity.ts',
};

await build({
  ...common,
  entryPoints: only ? { cli: entries.cli } : entries,
  outdir: only ?? 'dist',
  outExtension: { '.js': '.mjs' },
  define: { 'process.env.C360_CLI_ENTRY': '"1"' },
});
