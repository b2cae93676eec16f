/** Placeholder until the etl benchmark is built. */
export async function run(): Promise<Record<string, unknown>[]> {
  return [];
}
