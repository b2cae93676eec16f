/**
 * Named crash points for the crash suite (test/crash): when `C360_FAILPOINTS` lists a name
 * (comma-separated), the process kills itself with SIGKILL there, as a power cut or the OOM
 * killer would, between two writes that must not be separated. Unset, a call is one lookup.
 */
const armed = new Set((process.env.C360_FAILPOINTS ?? '').split(',').filter(Boolean));

export function failpoint(name: string): void {
  if (armed.size && armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
