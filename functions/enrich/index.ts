import { DynamoDedupeStore } from '../../src/adapters/aws/dynamodb-dedupe';
import { FirehoseDelivery } from '../../src/adapters/aws/firehose-delivery';
import { powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { GeoipLiteLookup } from '../../src/adapters/geoip';
import { intEnv, readEnv } from '../../src/config/env';
import { noGeo } from '../../src/domain/enrich/geo';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { UserAgentCache } from '../../src/domain/enrich/useragent';
import { createEnrichHandler, type EnrichDeps } from '../../src/handlers/enrich';
import { systemClock } from '../../src/ports/clock';

/**
 * Lambda entry: Kinesis event source (ReportBatchItemFailures) → Firehose. The pseudonymization
 * key is read from Secrets Manager once per cold start.
 */
export const loadConfig = () =>
  readEnv(
    [
      'DELIVERY_STREAM_NAME',
      'QUARANTINE_STREAM_NAME',
      'DEDUPE_TABLE_NAME',
      'PSEUDONYMIZATION_KEY_SECRET_ARN',
      'LAKE_BUCKET',
    ],
    { LATE_WINDOW_HOURS: '48', GEO_ENABLED: 'false', DEDUPE_LEASE_SECONDS: '90' },
  );

const config = loadConfig();
const { logger, metrics } = powertools();
const secrets = new SecretsManagerStore();
let enrich: Promise<ReturnType<typeof createEnrichHandler>> | null = null;

const buildDeps = async (): Promise<EnrichDeps> => ({
  delivery: new FirehoseDelivery({ deliveryStreamName: config.DELIVERY_STREAM_NAME }),
  quarantine: new FirehoseDelivery({ deliveryStreamName: config.QUARANTINE_STREAM_NAME }),
  originals: new S3ObjectStore(config.LAKE_BUCKET),
  dedupe: new DynamoDedupeStore({
    tableName: config.DEDUPE_TABLE_NAME,
    leaseSeconds: intEnv(config.DEDUPE_LEASE_SECONDS, 'DEDUPE_LEASE_SECONDS'),
  }),
  enrich: {
    ua: new UserAgentCache(),
    geo: config.GEO_ENABLED === 'true' ? new GeoipLiteLookup() : noGeo,
    pseudonymizer: new Pseudonymizer(await secrets.get(config.PSEUDONYMIZATION_KEY_SECRET_ARN)),
    lateWindowMs: intEnv(config.LATE_WINDOW_HOURS, 'LATE_WINDOW_HOURS') * 3600_000,
  },
  clock: systemClock,
  logger,
  metrics,
});

export const handler = async (...args: Parameters<ReturnType<typeof createEnrichHandler>>) => {
  enrich ??= buildDeps()
    .then(createEnrichHandler)
    .catch((err: unknown) => {
      enrich = null; // let the next invocation retry the secret read
      throw err;
    });
  return (await enrich)(...args);
};
