// `npm run gen`: every generated file, rendered again from its one definition, in dependency
// order (the artifacts' fingerprint covers sql/, which the reference step writes into).
// `npm run gen:check` (CI): the same, then fails when that changed a tracked file: a definition
// was edited without regenerating what is derived from it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const steps = [
  'gen-identity',
  'gen-validators',
  'gen-checks',
  'gen-reference',
  'gen-slo-alarms',
  'gen-quicksight',
  'gen-warehouse-setup',
  'gen-artifacts',
];
const run = (args) => execFileSync(args[0], args.slice(1), { cwd: root, stdio: 'inherit' });

// What the generators may write, as it is before they run: --check compares after.
const watched = () => {
  const out = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'sql'));
  walk(join(root, 'schemas'));
  walk(join(root, 'docs'));
  out.set(
    join(root, 'template.yaml'),
    createHash('sha256')
      .update(readFileSync(join(root, 'template.yaml')))
      .digest('hex'),
  );
  return out;
};
const before = watched();

for (const step of steps) {
  process.stdout.write(`gen: ${step}\n`);
  // Bundled again before each step: a step may read what the one before it generated.
  run([process.execPath, join(root, 'scripts', 'build.mjs')]);
  run([process.execPath, join(root, 'dist', `${step}.mjs`)]);
}
if (process.argv.includes('--check')) {
  const after = watched();
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
    (f) => before.get(f) !== after.get(f),
  );
  if (changed.length) {
    process.stderr.write(
      `gen:check: these files differ from what their definitions generate:\n${changed.map((f) => `  ${f.slice(root.length + 1)}`).join('\n')}\nRun "npm run gen" and commit the result.\n`,
    );
    process.exit(1);
  }
  process.stdout.write('gen:check: every generated file is current\n');
}
