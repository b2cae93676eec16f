import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lit } from '../duckdb';
import { count, registerStored } from './shared';
import type { StepExecutor } from './types';

/**
 * A table partitioned by event date (silver): the run's rows (events that arrived in the range),
 * merged into the event-date partitions they touch. Stored rows that arrived outside the range
 * stay, rows that arrived inside it are replaced (a rerun reprocesses, never doubles). Later
 * steps see the table as it will be: untouched stored partitions plus the merged ones.
 */
export const partitioned: StepExecutor = async ({
  engine,
  step,
  sql,
  target,
  staging,
  skip,
  range,
  outputs,
}) => {
  const name = step.name;
  if (skip) {
    await registerStored(engine, name, target, `SELECT * FROM (${sql})`);
    await registerStored(engine, `${name}__stored`, target, `SELECT * FROM (${sql})`);
    return { rows: 0 };
  }
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${name}__new AS ${sql}`);
  const rows = await count(engine, `SELECT * FROM ${name}__new`);
  await registerStored(engine, `${name}__stored`, target, `SELECT * FROM ${name}__new`);
  const inRange = `received_dt BETWEEN ${lit(range.from)} AND ${lit(range.to)}`;
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${name}__dts AS
    SELECT DISTINCT dt FROM ${name}__new
    UNION SELECT DISTINCT dt FROM ${name}__stored WHERE ${inRange}`);
  const keptSql = `SELECT * FROM ${name}__stored
    WHERE dt IN (SELECT dt FROM ${name}__dts) AND NOT (${inRange})`;
  // Nothing stored to keep in those partitions (a first run, a rebuild): the run's rows are the
  // partitions, without copying them.
  let merged = `${name}__new`;
  if ((await count(engine, keptSql)) > 0) {
    merged = `${name}__merged`;
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${merged} AS ${keptSql}
      UNION ALL BY NAME SELECT * FROM ${name}__new`);
  }
  const dts = (await engine.rows<{ dt: string }>(`SELECT dt FROM ${name}__dts ORDER BY dt`)).map((r) => r.dt);
  const staged = join(staging, step.path ?? name);
  await mkdir(staged, { recursive: true });
  if ((await count(engine, `SELECT * FROM ${merged}`)) > 0) {
    await engine.run(
      `COPY ${merged} TO ${lit(staged)} (FORMAT parquet, PARTITION_BY (dt), OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'part_{i}')`,
    );
  }
  outputs.push({ kind: 'partitions', staged, target, dts });
  await engine.run(`CREATE OR REPLACE TEMP VIEW ${name} AS
    SELECT * FROM ${name}__stored WHERE dt NOT IN (SELECT dt FROM ${name}__dts)
    UNION ALL BY NAME SELECT * FROM ${merged}`);
  return { rows };
};
