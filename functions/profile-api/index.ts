import { profileStoreFromEnv } from '../../src/adapters/aws/dynamodb-profile-store';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { onceUnlessFailed } from '../../src/adapters/once';
import { SecretReadKeys, TokenBucketLimiter } from '../../src/adapters/write-keys';
import { readEnv } from '../../src/config/env';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import type { HttpEvent } from '../../src/handlers/http';
import { createProfileApiHandler } from '../../src/handlers/profile-api';
import { systemClock } from '../../src/ports/clock';

/**
 * Lambda entry: the profile API (GET /v1/profiles/{id} on the ingest API's HTTP API). Read keys
 * come from their own secret (never the write keys), re-read every 5 minutes; lookups hash emails
 * and phones with enrich's key.
 */
export const loadConfig = () =>
  readEnv(
    [
      'PSEUDONYMIZATION_KEY_SECRET_ARN',
      'READ_KEYS_SECRET_ARN',
      'PROFILE_IDENTITIES_TABLE',
      'PROFILE_LIVE_TABLE',
      'PROFILE_COMPUTED_TABLE',
    ],
    { PROFILE_RETENTION_DAYS: '30' },
  );

const config = loadConfig();
const { logger } = powertools();
const secrets = new SecretsManagerStore();
const store = profileStoreFromEnv(config);
const limiter = new TokenBucketLimiter(systemClock);
const readKeys = new SecretReadKeys(secrets, config.READ_KEYS_SECRET_ARN);

const handle = onceUnlessFailed(async () =>
  createProfileApiHandler({
    readKeys,
    limiter,
    store,
    pseudonymizer: new Pseudonymizer(await secrets.get(config.PSEUDONYMIZATION_KEY_SECRET_ARN)),
    logger,
  }),
);

export const handler = correlated(
  async (event: HttpEvent) => (await handle())(event),
  (e) => ({ requestId: field(e, 'requestContext', 'requestId') }),
);
