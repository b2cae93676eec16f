/**
 * Named crash points for the crash suite (test/crash): when `C360_FAILPOINTS` lists a name
 * (comma-separated; `name@N` for its Nth pass, default the first), the process kills itself with
 * SIGKILL there, as a power cut or the OOM killer would, between two writes that must not be
 * separated. Unset, a call is one size check.
 */
const armed = new Map<string, number>();
for (const spec of (process.env.C360_FAILPOINTS ?? '').split(',').filter(Boolean)) {
  const [name, at] = spec.split('@');
  armed.set(name as string, Math.max(1, Number(at ?? 1) || 1));
}

export function failpoint(name: string): void {
  if (armed.size === 0) return;
  const left = armed.get(name);
  if (left === undefined) return;
  if (left <= 1) process.kill(process.pid, 'SIGKILL');
  else armed.set(name, left - 1);
}
