import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A reference table's file: the lake's own copy (e.g. rates imported from the ECB) wins over the repo's. */
export function referenceFile(lakeDir: string, root: string, name: string): string {
  const own = join(lakeDir, 'reference', `${name}.csv`);
  return existsSync(own) ? own : join(root, 'sql', 'reference', `${name}.csv`);
}
