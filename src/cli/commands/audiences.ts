import { Command } from 'commander';
import { AUDIENCES } from '../../domain/audiences';
import {
  audienceSummaries,
  currentAudiences,
  destinationsFile,
  loadDestinations,
  redriveAudiences,
  syncAudiences,
} from '../../runtime/audiences';
import { DEFAULT_DATA_DIR } from '../../runtime/local';
import { formatOption, formatRows } from '../format';
import { intOption, parseWith } from '../parse';

/** `c360 audiences list | preview NAME | sync | redrive`. */
export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 audiences')
    .description(
      'Audiences (gold.audience_members, consented members only, rebuilt by every pipeline run) and the destinations ' +
        'that receive them (DIR/state/destinations.json: signed webhooks, CSV files). "list" shows each audience\'s ' +
        'size, "preview NAME" its members, "sync" sends each destination who entered and who exited since its last ' +
        'sync (signed batches with idempotency keys, retried with backoff; what is still refused goes to the ' +
        'dead-letter file), "redrive" sends the dead-lettered batches again.',
    )
    .argument('<action>', 'list, preview, sync or redrive')
    .argument('[name]', 'preview: the audience')
    .option('--destination <name>', 'sync: only this destination')
    .option('--limit <n>', 'preview: at most this many members', intOption('--limit', 1, 1_000_000), 50)
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ destination?: string; limit: number; format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const [action, name] = parsed.args as [string, string | undefined];
  const o = parsed.opts;
  if (action === 'list' || action === 'preview') {
    const current = await currentAudiences(o.data);
    if (!current) {
      process.stderr.write(
        'c360 audiences: no gold.audience_members yet: run "c360 pipeline run" (or npm start) first\n',
      );
      return 1;
    }
    if (action === 'list') {
      process.stdout.write(formatRows((await audienceSummaries(o.data)) ?? [], o.format));
      return 0;
    }
    const defined = AUDIENCES.find((d) => d.name === name);
    if (!defined) {
      process.stderr.write(
        `c360 audiences: no audience "${name ?? ''}": one of ${AUDIENCES.map((d) => d.name).join(', ')} (src/domain/audiences.ts)\n`,
      );
      return 2;
    }
    const members = current.get(defined.name)?.members ?? new Set<string>();
    process.stdout.write(
      formatRows(
        [...members].slice(0, o.limit).map((customer_id) => ({ customer_id, purpose: defined.purpose })),
        o.format,
      ),
    );
    return 0;
  }
  if (action === 'sync') {
    const destinations = loadDestinations(o.data);
    if (!destinations.length) {
      process.stderr.write(
        `c360 audiences: no destinations: add one to ${destinationsFile(o.data)} ({"destinations": [{"name", "type": "webhook", "url", "secret", "audiences"}]})\n`,
      );
      return 1;
    }
    if (o.destination && !destinations.some((d) => d.name === o.destination)) {
      process.stderr.write(
        `c360 audiences: no destination "${o.destination}" in ${destinationsFile(o.data)}\n`,
      );
      return 2;
    }
    const rows = await syncAudiences({ dataDir: o.data, destinations, only: o.destination });
    process.stdout.write(formatRows(rows as unknown as Record<string, unknown>[], o.format));
    const dead = rows.reduce((a, r) => a + r.dead_lettered, 0);
    if (dead) {
      process.stderr.write(
        `c360 audiences: ${dead} batch(es) refused after their retries: fix the receiver, then run "c360 audiences redrive"\n`,
      );
      return 1;
    }
    return 0;
  }
  if (action === 'redrive') {
    const r = await redriveAudiences({ dataDir: o.data });
    process.stdout.write(formatRows([r], o.format));
    if (r.still_failing) {
      process.stderr.write(
        `c360 audiences: ${r.still_failing} batch(es) still refused; they stay in the dead-letter file\n`,
      );
      return 1;
    }
    return 0;
  }
  process.stderr.write(`c360 audiences: the action is list, preview, sync or redrive, got "${action}"\n`);
  return 2;
}
