import { Command, Option } from 'commander';
import { latestRowCounts, neighbours, planLineage } from '../../etl/lineage';
import { projectRoot } from '../../paths';
import { DEFAULT_DATA_DIR, localPaths } from '../../runtime/local';
import { formatRows } from '../format';
import { parseWith } from '../parse';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 lineage')
    .description(
      'Shows where a table comes from and what it feeds, from the SQL plan (sql/pipeline.json): every upstream and ' +
        'downstream dataset with the step that links it and the row count its last run wrote (from the OpenLineage ' +
        'events each ETL run stores under DIR/lake/lineage/). Without TABLE: every step with its inputs and output.',
    )
    .argument('[table]', 'a dataset: gold/fact_orders, silver/events, or just fact_orders')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    )
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const lineage = planLineage(projectRoot());
  const counts = await latestRowCounts(localPaths(o.data).lake);
  const table = parsed.args[0] as string | undefined;
  if (!table) {
    process.stdout.write(
      formatRows(
        lineage.map((l) => ({
          step: `etl.${l.step}`,
          kind: l.kind,
          inputs: l.inputs.join(' '),
          output: l.output ?? '',
          last_rows: l.output ? (counts.get(l.output)?.rows ?? '') : '',
        })),
        o.format,
      ),
    );
    return 0;
  }
  const known = [...new Set(lineage.flatMap((l) => [...l.inputs, ...(l.output ? [l.output] : [])]))];
  const dataset = known.find((d) => d === table || d.split('/').at(-1) === table);
  if (!dataset) {
    process.stderr.write(
      `c360 lineage: no dataset "${table}" in the plan; known: ${known.filter((d) => !d.startsWith('temp:')).join(', ')}\n`,
    );
    return 2;
  }
  const { up, down } = neighbours(lineage, dataset);
  const rows = [
    ...up.map((n) => ({ direction: 'upstream', ...n })),
    ...down.map((n) => ({ direction: 'downstream', ...n })),
  ].map((r) => ({ ...r, last_rows: counts.get(r.dataset)?.rows ?? '' }));
  process.stdout.write(formatRows(rows, o.format));
  return 0;
}
