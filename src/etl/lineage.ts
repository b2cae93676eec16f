import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadJsonConfig } from '../config/json-config';
import type { EtlReport, PipelineStep } from './plan';

/**
 * Lineage derived from the one SQL plan (sql/pipeline.json): a step reads the relations its SQL
 * names (earlier steps and the plan's sources) and writes its dataset (`silver/events`,
 * `gold/fact_orders`; temporary steps and checks write none). Every ETL run emits one OpenLineage
 * RunEvent per step (COMPLETE with output row counts, or FAIL for the run) into the lake's
 * `lineage/dt=YYYY-MM-DD/` prefix; `c360 lineage TABLE` walks the same graph up and down.
 */
export const NAMESPACE = 'c360-lake';
const PRODUCER = 'https://github.com/c360/c360/blob/main/src/etl/lineage.ts';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent';

export interface StepLineage {
  step: string;
  kind: PipelineStep['kind'];
  /** Datasets (lake paths, or `temp:<step>` for intermediate relations). */
  inputs: string[];
  output: string | null;
  /** SHA-256 of the step's SQL: the code version of this job. */
  sqlSha256: string;
}

const datasetOf = (s: PipelineStep) =>
  s.path ? s.path : s.kind === 'temp' || s.kind === 'iterate' ? `temp:${s.name}` : null;

/** The plan's lineage graph, from sql/pipeline.json and the SQL files it names. */
export function planLineage(root: string): StepLineage[] {
  // The plan's sources: each relation the runners register, with the lake dataset it stands for.
  const { steps: plan, sources } = loadJsonConfig<{ steps: PipelineStep[]; sources: Record<string, string> }>(
    join(root, 'sql', 'pipeline.json'),
  );
  const produced = new Map<string, string>();
  for (const s of plan) {
    const d = datasetOf(s);
    if (d) produced.set(s.name, d);
  }
  return plan.map((s) => {
    const files = [s.sql, ...(s.step ? [s.step] : [])];
    const sql = files.map((f) => readFileSync(join(root, 'sql', f), 'utf8')).join('\n');
    const code = sql.replace(/--.*$/gm, '');
    const inputs = new Set<string>();
    for (const name of [...Object.keys(sources), ...plan.map((p) => p.name)]) {
      if (name === s.name && s.kind !== 'iterate') continue;
      if (!new RegExp(`\\b${name}\\b`).test(code)) continue;
      const d = produced.get(name) ?? (Object.hasOwn(sources, name) ? sources[name] : undefined);
      if (d && d !== datasetOf(s)) inputs.add(d);
    }
    return {
      step: s.name,
      kind: s.kind,
      inputs: [...inputs].sort(),
      output: datasetOf(s),
      sqlSha256: createHash('sha256').update(sql).digest('hex'),
    };
  });
}

export interface LineageEvent {
  eventType: 'COMPLETE' | 'FAIL';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, unknown> };
  job: { namespace: string; name: string; facets: Record<string, unknown> };
  inputs: { namespace: string; name: string }[];
  outputs: { namespace: string; name: string; outputFacets?: Record<string, unknown> }[];
}

export function runEvents(
  lineage: StepLineage[],
  report: Pick<EtlReport, 'from' | 'to' | 'steps'>,
  opts: { runId?: string; now: Date; codeVersion: string; failed?: { step: string; message: string } },
): LineageEvent[] {
  const runId = opts.runId ?? randomUUID();
  const rows = new Map(report.steps.map((s) => [s.name, s.rows]));
  const event = (l: StepLineage, type: 'COMPLETE' | 'FAIL'): LineageEvent => ({
    eventType: type,
    eventTime: opts.now.toISOString(),
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    run: {
      runId,
      facets: {
        c360_run: { from: report.from, to: report.to, codeVersion: opts.codeVersion },
        ...(type === 'FAIL' && opts.failed
          ? { errorMessage: { message: opts.failed.message, programmingLanguage: 'SQL' } }
          : {}),
      },
    },
    job: {
      namespace: 'c360',
      name: `etl.${l.step}`,
      facets: {
        sql: { query: `sql/${l.step}`, sha256: l.sqlSha256 },
        jobType: { processingType: 'BATCH', integration: 'DUCKDB_OR_SPARK', jobType: l.kind },
      },
    },
    inputs: l.inputs.filter((d) => !d.startsWith('temp:')).map((name) => ({ namespace: NAMESPACE, name })),
    outputs:
      l.output && !l.output.startsWith('temp:')
        ? [
            {
              namespace: NAMESPACE,
              name: l.output,
              outputFacets: { outputStatistics: { rowCount: rows.get(l.step) ?? 0 } },
            },
          ]
        : [],
  });
  if (opts.failed) {
    const l = lineage.find((x) => x.step === opts.failed?.step);
    return l ? [event(l, 'FAIL')] : [];
  }
  return lineage.filter((l) => rows.has(l.step)).map((l) => event(l, 'COMPLETE'));
}

export async function writeRunEvents(lakeDir: string, events: LineageEvent[]): Promise<string | null> {
  if (!events.length) return null;
  const e = events[0] as LineageEvent;
  const dir = join(lakeDir, 'lineage', `dt=${e.eventTime.slice(0, 10)}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `run-${e.run.runId}.ndjson`);
  await writeFile(file, `${events.map((x) => JSON.stringify(x)).join('\n')}\n`);
  return file;
}

/** The latest row count each dataset was written with, from the lake's lineage events. */
export async function latestRowCounts(lakeDir: string): Promise<Map<string, { rows: number; at: string }>> {
  const out = new Map<string, { rows: number; at: string }>();
  const root = join(lakeDir, 'lineage');
  let days: string[] = [];
  try {
    days = (await readdir(root)).sort();
  } catch {
    return out;
  }
  for (const day of days)
    for (const f of (await readdir(join(root, day))).sort())
      for (const line of (await readFile(join(root, day, f), 'utf8')).split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as LineageEvent;
        for (const o of e.outputs) {
          const rows = (o.outputFacets?.outputStatistics as { rowCount?: number } | undefined)?.rowCount ?? 0;
          const prev = out.get(o.name);
          if (!prev || prev.at <= e.eventTime) out.set(o.name, { rows, at: e.eventTime });
        }
      }
  return out;
}

/** Upstream and downstream datasets of one dataset (transitively), with the step that links each. */
export function neighbours(lineage: StepLineage[], dataset: string) {
  const up: { dataset: string; via: string; depth: number }[] = [];
  const down: { dataset: string; via: string; depth: number }[] = [];
  const walk = (d: string, depth: number, dir: 'up' | 'down', seen: Set<string>) => {
    for (const l of lineage) {
      const next =
        dir === 'up' ? (l.output === d ? l.inputs : []) : l.inputs.includes(d) && l.output ? [l.output] : [];
      for (const n of next) {
        if (seen.has(n)) continue;
        seen.add(n);
        (dir === 'up' ? up : down).push({ dataset: n, via: `etl.${l.step}`, depth });
        walk(n, depth + 1, dir, seen);
      }
    }
  };
  walk(dataset, 1, 'up', new Set([dataset]));
  walk(dataset, 1, 'down', new Set([dataset]));
  return { up, down };
}

/** The code version a run's events carry: the package version and a digest of every step's SQL. */
export function codeVersion(root: string, lineage: StepLineage[]): string {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const digest = createHash('sha256')
    .update(lineage.map((l) => l.sqlSha256).join(''))
    .digest('hex')
    .slice(0, 12);
  return `${version}+sql.${digest}`;
}
