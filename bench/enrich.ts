/** Placeholder until the enrich benchmark is built. */
export async function run(): Promise<Record<string, unknown>[]> {
  return [];
}
