// The registry this project is built against serves only the platform packages for the machines
// it runs on, so `npm install` leaves the other platforms' optional binaries (darwin, win32, musl
// …) out of package-lock.json, and `npm ci` then refuses the lock as "out of sync". This adds
// those entries back with their os/cpu/libc, so npm ci skips them on this platform and installs
// them elsewhere. Run after any `npm install` that rewrites the lock: `npm run lock:platforms`.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['android', 'darwin', 'linux', 'win32', 'freebsd', 'openharmony', 'sunos', 'aix'];
const CPU = {
  arm64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  arm: 'arm',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

function platformOf(name) {
  const tokens = name.split('/').pop().split('-');
  const os = tokens.find((t) => OS.includes(t));
  const cpu = tokens.map((t) => CPU[t]).find(Boolean);
  const libc = tokens.some((t) => t.startsWith('musl'))
    ? 'musl'
    : os === 'linux' && tokens.some((t) => t.startsWith('gnu'))
      ? 'glibc'
      : undefined;
  return { os, cpu, libc };
}

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os || !cpu) {
      console.warn(`skip ${dep} (needed by ${path || 'root'}): cannot tell its platform`);
      continue;
    }
    lock.packages[key] = {
      version,
      cpu: [cpu],
      ...(pkg.dev ? { dev: true } : {}),
      license: pkg.license,
      optional: true,
      os: [os],
      ...(libc ? { libc: [libc] } : {}),
      engines: pkg.engines,
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} other-platform optional package entries`);
