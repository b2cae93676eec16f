import { profileStoreFromEnv } from '../../src/adapters/aws/dynamodb-profile-store';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { onceUnlessFailed } from '../../src/adapters/once';
import { readEnv } from '../../src/config/env';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { createProfileStreamHandler } from '../../src/handlers/profile-stream';

/**
 * Lambda entry: the profile store's stream path, a second consumer of the event stream (its own
 * event source mapping, as the real-time tier has). Pseudonymizes with enrich's key (Secrets
 * Manager, read once per cold start) and writes the live halves to DynamoDB.
 */
export const loadConfig = () =>
  readEnv(
    [
      'PSEUDONYMIZATION_KEY_SECRET_ARN',
      'LAKE_BUCKET',
      'PROFILE_IDENTITIES_TABLE',
      'PROFILE_LIVE_TABLE',
      'PROFILE_COMPUTED_TABLE',
    ],
    { PROFILE_RETENTION_DAYS: '30' },
  );

const config = loadConfig();
const { logger, metrics } = powertools();
const secrets = new SecretsManagerStore();
const suppression = new S3SuppressionList(config.LAKE_BUCKET);
const store = profileStoreFromEnv(config);

// A failed secret read is retried by the next invocation.
const handle = onceUnlessFailed(async () =>
  createProfileStreamHandler({
    store,
    pseudonymizer: new Pseudonymizer(await secrets.get(config.PSEUDONYMIZATION_KEY_SECRET_ARN)),
    suppression,
    logger,
    metrics,
  }),
);

export const handler = correlated(
  async (event: Parameters<ReturnType<typeof createProfileStreamHandler>>[0]) => {
    await (await handle())(event);
  },
  (e) => ({
    firstSequence: field(e.Records?.[0], 'kinesis', 'sequenceNumber'),
    records: String(e.Records?.length ?? 0),
  }),
);
