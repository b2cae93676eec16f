import { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../../runtime/local';
import { exportPersonLocal } from '../../runtime/subject-access';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';
import { type PersonFlags, personOptions, personRequest } from '../person';
import { progressReporter } from '../progress';

export async function run(argv: string[]): Promise<number> {
  const cmd = personOptions(new Command('c360 export-person'))
    .description(
      "Subject access: one archive with everything held about one person, for a data subject's request. Finds " +
        'them through the identity map as "c360 forget" does, copies their rows out of every store erasure ' +
        'rewrites (landing, bronze, quarantine opened, silver, gold, features, scores, query results, state), ' +
        'their warehouse rows with history, and their clear values from the PII vault, into a zip with a ' +
        'manifest (mode 0600: it holds clear personal data; hand it over and delete it). In AWS the ' +
        'export-person state machine runs the same plan and writes s3://<lake>/access/<execution>/person.zip.',
    )
    .option('--out <file>', 'where to write the archive (default DIR/exports/person-<request>.zip)')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<PersonFlags & { out?: string; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const o = parsed.opts;
  const request = personRequest('c360 export-person', o);
  if (!request) return 2;
  const progress = progressReporter('export-person');
  const r = await exportPersonLocal({
    dataDir: o.data,
    request,
    out: o.out,
    onProgress: (m) => progress.line(m),
  });
  progress.done();
  process.stdout.write(
    formatRows(
      Object.entries(r.stores).map(([store, s]) => ({ store, files: s.files, rows: s.rows })),
      o.format,
    ),
  );
  process.stderr.write(
    `archive: ${r.file} (${r.bytes} bytes; customers ${r.customerIds.join(' ') || '(none stitched yet)'}, ${r.identityKeys} identity keys, ${r.vaultValues} clear values from the vault)\n`,
  );
  return 0;
}
