import type { Pseudonymizer } from '../domain/enrich/pii';
import { LookupError, type LookupKey, lookupHashing, parseLookup, profileAnswer } from '../domain/profile';
import { type ReadKeyGrant, readKeyOf } from '../domain/read-keys';
import type { ProfileStore } from '../ports/profile-store';
import type { LoggerPort } from '../ports/telemetry';
import type { RateLimiter } from '../ports/write-keys';
import { type HttpEvent, type HttpResult, header, json } from './http';

/**
 * The profile API (`GET /v1/profiles/{id}`), modelled on the CDPs' profile APIs (Segment's
 * Profiles API, RudderStack's, Amazon Connect Customer Profiles): look a customer up by any
 * identifier (`user_id:u1`, `email:ada@example.com`, `anonymous_id:…`, `stripe_customer:cus_…`,
 * `customer_id:c_…`) and read their traits, scores, audiences, recent events and identities.
 *   401 no read key · 403 unknown or disabled key (a write key is not a read key) · 429 over the
 *   key's rate · 400 malformed identifier · 404 nobody holds it · 200 the profile.
 * Emails and phones are hashed on the way in as enrich hashes them, and the store holds only
 * pseudonymized values, so an answer carries no clear PII. Answers are never cached.
 */
export interface ProfileApiDeps {
  readKeys: { resolve(key: string): Promise<ReadKeyGrant | null> };
  limiter: RateLimiter;
  store: Pick<ProfileStore, 'customersOf' | 'live' | 'computed'>;
  pseudonymizer: Pseudonymizer;
  logger: LoggerPort;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function createProfileApiHandler(deps: ProfileApiDeps) {
  const hashing = lookupHashing(deps.pseudonymizer);
  return async (event: HttpEvent): Promise<HttpResult> => {
    const key = readKeyOf(header(event, 'authorization'));
    if (!key)
      return json(
        401,
        { error: 'a read key is required: Authorization: Bearer <read key> (c360 keys add --read)' },
        NO_STORE,
      );
    const grant = await deps.readKeys.resolve(key);
    if (!grant || grant.disabled)
      return json(
        403,
        {
          error: grant
            ? `read key ${grant.keyId} is disabled`
            : 'not a read key (write keys cannot read profiles)',
        },
        NO_STORE,
      );
    if (!deps.limiter.tryTake(`read:${grant.keyId}`, 1, grant))
      return json(
        429,
        { error: `read key ${grant.keyId} is over its rate of ${grant.ratePerSecond} requests/s` },
        { ...NO_STORE, 'retry-after': '1' },
      );
    const raw = event.pathParameters?.id ?? '';
    let lookup: LookupKey;
    try {
      lookup = parseLookup(raw, hashing);
    } catch (err) {
      if (err instanceof LookupError) return json(400, { error: err.message }, NO_STORE);
      throw err;
    }
    const customerId =
      lookup.kind === 'customer'
        ? lookup.customerId
        : ((await deps.store.customersOf([lookup.node])).get(lookup.node) ?? null);
    if (customerId) {
      const [live, computed] = await Promise.all([
        deps.store.live([customerId]),
        deps.store.computed([customerId]),
      ]);
      const l = live.get(customerId) ?? null;
      const c = computed.get(customerId) ?? null;
      if (l || c) return json(200, profileAnswer({ customerId, live: l, computed: c }), NO_STORE);
    }
    // The identifier's type only: the value may be someone's email.
    return json(404, { error: `no profile for this ${raw.slice(0, raw.indexOf(':'))}` }, NO_STORE);
  };
}
