import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decodeMixed } from '../domain/batch/csv';
import { type BatchFormat, type BatchIngestReport, ingestBatchText } from '../domain/batch/ingest';
import type { BatchKind } from '../domain/batch/rows';
import type { Clock } from '../ports/clock';
import type { EventStream } from '../ports/stream';

/**
 * `c360 ingest-file` embedded: the file is kept as received under landing/<kind>/dt=<today>/
 * (under its content hash), then its rows go through the same ingestion as the file-ingest
 * Lambda's (src/domain/batch/ingest.ts); rejected rows are written beside the landed file.
 */
export async function ingestBatchFile(opts: {
  file: string;
  kind: BatchKind;
  format?: BatchFormat;
  mapping?: Record<string, string>;
  /** The currency of amounts in a file that has no currency column (an explicit choice, never assumed). */
  defaultCurrency?: string;
  lakeDir: string;
  stream: EventStream;
  clock: Clock;
  onProgress?: (rows: number) => void;
}): Promise<BatchIngestReport> {
  const bytes = await readFile(opts.file);
  const text = decodeMixed(bytes);
  const dt = opts.clock.now().toISOString().slice(0, 10);
  // Landed under its content's hash: two different files with one name never overwrite each
  // other, and the same file ingested twice lands once.
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const landingDir = join(opts.lakeDir, 'landing', opts.kind, `dt=${dt}`, digest);
  // Batch files hold personal data in clear until the ETL reads them: owner-only.
  await mkdir(landingDir, { recursive: true, mode: 0o700 });
  const landed = join(landingDir, basename(opts.file));
  await copyFile(opts.file, landed);
  await chmod(landed, 0o600);
  const r = await ingestBatchText({ ...opts, text, name: opts.file });
  let errorsFile: string | null = null;
  if (r.errors.length) {
    errorsFile = `${landed}.errors.ndjson`;
    await writeFile(errorsFile, `${r.errors.map((e) => JSON.stringify(e)).join('\n')}\n`, { mode: 0o600 });
  }
  const { format, rows, accepted } = r;
  return {
    file: opts.file,
    kind: opts.kind,
    format,
    rows,
    accepted,
    rejected: r.rejected,
    landedAt: landed,
    errorsFile,
  };
}
