import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type Engine, lit, openDuckDb } from '../../src/etl/duckdb';

/**
 * Every file under `root` as text, whatever its format: gzip is inflated, Parquet files and DuckDB
 * databases are read row by row (each row as JSON), anything else is read as UTF-8. For tests that
 * must see what a store really holds (no clear PII, no trace of a forgotten person).
 */
export async function* storeTexts(
  root: string,
  skip: (relPath: string) => boolean = () => false,
): AsyncGenerator<{ path: string; text: string }> {
  const engine = await openDuckDb();
  try {
    for (const path of await walk(root, '')) {
      if (skip(path)) continue;
      yield { path, text: await fileText(engine, join(root, path)) };
    }
  } finally {
    engine.close();
  }
}

async function walk(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(root, p)));
    else out.push(p);
  }
  return out;
}

async function fileText(engine: Engine, file: string): Promise<string> {
  if (file.endsWith('.gz')) return gunzipSync(await readFile(file)).toString('utf8');
  if (file.endsWith('.parquet')) return rowsText(engine, `read_parquet(${lit(file)})`);
  if (file.endsWith('.duckdb')) {
    await engine.run(`ATTACH ${lit(file)} AS scanned (READ_ONLY)`);
    try {
      const tables = await engine.rows<{ s: string; t: string }>(
        "SELECT schema_name AS s, table_name AS t FROM duckdb_tables() WHERE database_name = 'scanned'",
      );
      const parts: string[] = [];
      for (const { s, t } of tables) parts.push(await rowsText(engine, `scanned."${s}"."${t}"`));
      return parts.join('\n');
    } finally {
      await engine.run('DETACH scanned');
    }
  }
  return (await readFile(file)).toString('utf8');
}

async function rowsText(engine: Engine, from: string): Promise<string> {
  const [r] = await engine.rows<{ text: string | null }>(
    `SELECT string_agg(CAST(to_json(x) AS VARCHAR), chr(10)) AS text FROM ${from} x`,
  );
  return r?.text ?? '';
}
