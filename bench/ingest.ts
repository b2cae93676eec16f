/** Placeholder until the ingest benchmark is built. */
export async function run(): Promise<Record<string, unknown>[]> {
  return [];
}
