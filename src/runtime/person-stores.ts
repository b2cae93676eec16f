import { join } from 'node:path';
import { listFiles } from '../adapters/local/files';
import type { localPaths } from '../paths';

/**
 * Every embedded store that can hold a person's rows, listed once: erasure (`c360 forget`,
 * src/runtime/forget.ts) rewrites them without the person, subject access (`c360 export-person`,
 * src/runtime/subject-access.ts) copies the person's rows out of them, so the two cover the same
 * stores by construction. AWS: glue/forget.py walks the lake's prefixes the same way, in either
 * mode; the warehouse and the vault are handled by their own steps in both.
 *
 *  text        lines (a file ending .gz is gzip), a row is a line that mentions the person
 *  quarantine  sealed quarantine records: the record or its opened original mentions the person
 *  parquet     rows whose JSON mentions the person
 */
export interface PersonStore {
  name: string;
  kind: 'text' | 'quarantine' | 'parquet';
  dir(paths: ReturnType<typeof localPaths>): string;
  /** Only files ending so. */
  suffix: string;
  /** Files as delivered (batch files): the person's clear email or phone finds their lines too. */
  byClearValues?: boolean;
  /** Files of the store that are not the person's data (keys, the suppression list). */
  skip?(file: string): boolean;
}

export const PERSON_STORES: readonly PersonStore[] = [
  { name: 'landing', kind: 'text', dir: (p) => join(p.lake, 'landing'), suffix: '', byClearValues: true },
  { name: 'inbox', kind: 'text', dir: (p) => join(p.root, 'inbox'), suffix: '', byClearValues: true },
  { name: 'bronze', kind: 'text', dir: (p) => join(p.lake, 'bronze'), suffix: '.ndjson.gz' },
  { name: 'quarantine', kind: 'quarantine', dir: (p) => join(p.lake, 'quarantine'), suffix: '.ndjson.gz' },
  {
    name: 'quarantine-replayed',
    kind: 'quarantine',
    dir: (p) => join(p.lake, 'quarantine-replayed'),
    suffix: '.ndjson.gz',
  },
  { name: 'silver', kind: 'parquet', dir: (p) => join(p.lake, 'silver'), suffix: '.parquet' },
  { name: 'gold', kind: 'parquet', dir: (p) => join(p.lake, 'gold'), suffix: '.parquet' },
  // Query results hold customer ids too (the scoring features' export, the identity lookups).
  { name: 'features', kind: 'text', dir: (p) => join(p.lake, 'features'), suffix: '' },
  { name: 'scores', kind: 'text', dir: (p) => join(p.lake, 'scores'), suffix: '' },
  { name: 'athena-results', kind: 'text', dir: (p) => join(p.lake, 'athena-results'), suffix: '' },
  {
    name: 'state',
    kind: 'text',
    dir: (p) => p.state,
    suffix: '',
    skip: (f) => f.endsWith('.key') || f.endsWith('suppression.txt'),
  },
];

/** Calls `visit` for every file of every store, store by store in the order above. */
export async function forEachStoreFile(
  paths: ReturnType<typeof localPaths>,
  visit: (store: PersonStore, file: string) => Promise<void>,
): Promise<void> {
  for (const store of PERSON_STORES)
    for (const file of await listFiles(store.dir(paths), store.suffix))
      if (!store.skip?.(file)) await visit(store, file);
}
