/** Placeholder until the command is built; see the issue that owns it. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('c360 etl: not built yet\n');
  return 2;
}
