// `npm run gen`: every generated file, rendered again from its one definition, in dependency
// order (the artifacts' fingerprint covers sql/, which the reference step writes into).
// `npm run gen:check` (CI): the same, then fails when that changed a tracked file: a definition
// was edited without regenerating what is derived from it.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const steps = [
  'gen-validators',
  'gen-reference',
  'gen-slo-alarms',
  'gen-quicksight',
  'gen-warehouse-setup',
  'gen-artifacts',
];
const run = (args) => execFileSync(args[0], args.slice(1), { cwd: root, stdio: 'inherit' });

run([process.execPath, join(root, 'scripts', 'build.mjs')]);
for (const step of steps) {
  process.stdout.write(`gen: ${step}\n`);
  run([process.execPath, join(root, 'dist', `${step}.mjs`)]);
}
if (process.argv.includes('--check')) {
  const changed = execFileSync(
    'git',
    ['status', '--porcelain', '--untracked-files=all', '--', 'src', 'sql', 'template.yaml'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  ).trim();
  if (changed) {
    process.stderr.write(
      `gen:check: these files differ from what their definitions generate:\n${changed}\nRun "npm run gen" and commit the result.\n`,
    );
    process.exit(1);
  }
  process.stdout.write('gen:check: every generated file is current\n');
}
