import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { listFiles } from '../adapters/local/files';
import type { QuarantineRecord } from '../domain/event';
import { lit } from '../domain/sql';
import type { localPaths } from '../paths';
import type { KeyWrapper } from '../ports/key-wrapper';
import type { ObjectStore } from '../ports/object-store';
import { originalOf } from './quarantine';

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
  // The raw archive: each line sealed, but its subject (an identity key) is the person's.
  { name: 'raw', kind: 'text', dir: (p) => join(p.lake, 'raw'), suffix: '.ndjson.gz' },
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
  // Audiences exported as CSV files (src/runtime/audiences.ts file destinations).
  { name: 'exports', kind: 'text', dir: (p) => join(p.lake, 'exports'), suffix: '.csv' },
  {
    name: 'state',
    kind: 'text',
    dir: (p) => p.state,
    suffix: '',
    // Audience destinations' state (what each holds, dead-lettered batches) is erasure's own
    // record until the destinations confirmed the person's delete (src/runtime/audiences.ts).
    skip: (f) => f.endsWith('.key') || f.endsWith('suppression.txt') || /[/\\]audiences[/\\]/.test(f),
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

/**
 * Whether a line of a store is the person's: it mentions one of their values (the erasure pattern,
 * src/domain/privacy/erasure.ts), or, in files as delivered, their clear email or phone. Erasure
 * drops such lines, subject access copies them: one test for both.
 */
export function personLines(pattern: string, clear: ReadonlySet<string>) {
  const mentions = new RegExp(pattern);
  const lowered = [...clear];
  return {
    mentions: (text: string) => mentions.test(text),
    inStore: (store: PersonStore, line: string) =>
      mentions.test(line) ||
      (store.byClearValues === true && lowered.some((c) => line.toLowerCase().includes(c))),
  };
}

/** A text store's file as text (gzip opened), or null for a binary file (state that is not lines). */
export async function storeText(file: string): Promise<string | null> {
  const raw = await readFile(file);
  if (file.endsWith('.gz')) return gunzipSync(raw).toString('utf8');
  return raw.includes(0) ? null : raw.toString('utf8');
}

/** A quarantine file's records, each with its line and its original opened (sealed at rest). */
export async function quarantineRecords(
  file: string,
  objects: ObjectStore,
  keys: KeyWrapper,
): Promise<{ line: string; record: QuarantineRecord; original: string }[]> {
  const out: { line: string; record: QuarantineRecord; original: string }[] = [];
  for (const line of gunzipSync(await readFile(file))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)) {
    const record = JSON.parse(line) as QuarantineRecord;
    out.push({ line, record, original: await originalOf(record, objects, keys) });
  }
  return out;
}

/** The DuckDB predicate over a Parquet row `x`: its JSON mentions the person. */
export const rowMentionsPerson = (pattern: string) =>
  `regexp_matches(CAST(to_json(x) AS VARCHAR), ${lit(pattern)})`;
