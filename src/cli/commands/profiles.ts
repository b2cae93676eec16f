import { Command } from 'commander';
import { LookupError, lookupHashing, parseLookup, profileAnswer } from '../../domain/profile';
import { DEFAULT_DATA_DIR } from '../../runtime/local';
import {
  closeLocalProfileStore,
  localPseudonymizer,
  openLocalProfileStore,
  syncComputedProfiles,
} from '../../runtime/profiles';
import { formatOption, formatRows } from '../format';
import { parseWith } from '../parse';

/**
 * `c360 profiles get ID | sync | stats`: the profile store of the data folder, without the API
 * (`c360 serve` answers GET /v1/profiles/{id} with read keys).
 */
export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('c360 profiles')
    .description(
      'The profile store (DIR/profiles): "get TYPE:VALUE" prints one profile as the profile API answers it ' +
        '(user_id:…, email:…, anonymous_id:…, customer_id:…, a provider id such as stripe_customer:…); "sync" writes ' +
        "every current customer's computed half (segment, scores, CLV, recommendations, audiences) from the lake's " +
        'gold tables, as the daily pipeline does; "stats" counts what the store holds.',
    )
    .argument('<action>', 'get, sync or stats')
    .argument('[id]', 'get: the identifier, TYPE:VALUE')
    .addOption(formatOption())
    .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR);
  const parsed = parseWith<{ format: string; data: string }>(cmd, argv);
  if ('exit' in parsed) return parsed.exit;
  const [action, id] = parsed.args as [string, string | undefined];
  const o = parsed.opts;
  try {
    if (action === 'sync') {
      const r = await syncComputedProfiles({ dataDir: o.data });
      if (r.profiles === 0) {
        process.stderr.write(
          'c360 profiles: the lake has no gold.dim_customer or silver.identity_map yet: run "c360 pipeline run" (or npm start) first\n',
        );
        return 1;
      }
      process.stdout.write(formatRows([{ ...r }], o.format));
      return 0;
    }
    const store = openLocalProfileStore(o.data);
    if (action === 'stats') {
      const c = store.counts();
      process.stdout.write(
        formatRows([{ live: c.live, computed: c.computed, identity_links: c.links }], o.format),
      );
      return 0;
    }
    if (action === 'get') {
      if (!id) {
        process.stderr.write(
          'c360 profiles get: name the identifier, e.g. c360 profiles get user_id:cdnow-3\n',
        );
        return 2;
      }
      const lookup = parseLookup(id, lookupHashing(localPseudonymizer(o.data)));
      const cid = lookup.kind === 'customer' ? lookup.customerId : store.customerOfSync(lookup.node);
      const live = cid ? (store.liveSync(cid) ?? null) : null;
      const computed = cid ? (store.computedSync(cid) ?? null) : null;
      if (!cid || (!live && !computed)) {
        process.stderr.write(
          `c360 profiles: no profile for ${id.slice(0, id.indexOf(':'))} "${id.slice(id.indexOf(':') + 1)}" (run "c360 profiles sync" after a pipeline run, or send its events to c360 serve)\n`,
        );
        return 1;
      }
      const answer = profileAnswer({ customerId: cid, live, computed });
      if (o.format === 'json') process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      else
        process.stdout.write(
          formatRows(
            [
              {
                customer_id: answer.customer_id,
                segment: answer.computed?.segment ?? null,
                churn_probability: answer.computed?.churn_probability ?? null,
                clv_12m_usd: answer.computed?.clv_12m_usd ?? null,
                audiences: answer.audiences.join(' '),
                identities: answer.identities.length,
                recent_events: answer.recent_events.length,
                last_seen: answer.last_seen,
              },
            ],
            o.format,
          ),
        );
      return 0;
    }
    process.stderr.write(`c360 profiles: the action is get, sync or stats, got "${action}"\n`);
    return 2;
  } catch (err) {
    if (err instanceof LookupError) {
      process.stderr.write(`c360 profiles: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await closeLocalProfileStore(o.data);
  }
}
