import { randomUUID } from 'node:crypto';
import { DynamoDailyQuota } from '../../src/adapters/aws/dynamodb-quota';
import { KinesisEventStream } from '../../src/adapters/aws/kinesis-stream';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { SecretWriteKeys, TokenBucketLimiter } from '../../src/adapters/write-keys';
import { corsOriginsEnv, readEnv } from '../../src/config/env';
import { createIngestHandler } from '../../src/handlers/ingest';
import { systemClock } from '../../src/ports/clock';

/** Lambda entry: Segment tracking API behind the HTTP API. Deps are built once per cold start. */
export const loadConfig = () =>
  readEnv(['STREAM_NAME', 'WRITE_KEYS_SECRET_ARN', 'QUOTA_TABLE_NAME'], { CORS_ORIGINS: '' });

const config = loadConfig();
const { logger, metrics } = powertools();

export const handler = correlated(
  createIngestHandler({
    stream: new KinesisEventStream({ streamName: config.STREAM_NAME }),
    // Re-read every 5 minutes: a key added, disabled or re-limited in the secret applies without a deploy.
    writeKeys: new SecretWriteKeys(new SecretsManagerStore(), config.WRITE_KEYS_SECRET_ARN),
    // A key's own rate (ratePerSecond in the secret), per instance; the daily quota is shared.
    rateLimiter: new TokenBucketLimiter(systemClock),
    quota: new DynamoDailyQuota({ tableName: config.QUOTA_TABLE_NAME }),
    clock: systemClock,
    ids: randomUUID,
    logger,
    metrics,
    corsOrigins: corsOriginsEnv(config.CORS_ORIGINS, 'CORS_ORIGINS'),
  }),
  (e) => ({ requestId: field(e, 'requestContext', 'requestId') }),
);
