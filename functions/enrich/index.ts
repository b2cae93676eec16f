import { DynamoCheckpointStore } from '../../src/adapters/aws/dynamodb-checkpoint';
import { DynamoVaultStore } from '../../src/adapters/aws/dynamodb-vault';
import { FirehoseDelivery } from '../../src/adapters/aws/firehose-delivery';
import { KmsKeyWrapper } from '../../src/adapters/aws/kms-key-wrapper';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { GeoipLiteLookup } from '../../src/adapters/geoip';
import { ObjectStoreDelivery } from '../../src/adapters/object-store-delivery';
import { onceUnlessFailed } from '../../src/adapters/once';
import { intEnv, readEnv } from '../../src/config/env';
import { noGeo } from '../../src/domain/enrich/geo';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { UserAgentCache } from '../../src/domain/enrich/useragent';
import { PiiVault } from '../../src/domain/privacy/vault';
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
      'CHECKPOINT_TABLE_NAME',
      'PSEUDONYMIZATION_KEY_SECRET_ARN',
      'LAKE_BUCKET',
      'VAULT_KEY_ARN',
      'VAULT_KEYS_TABLE',
      'VAULT_ENTRIES_TABLE',
    ],
    {
      LATE_WINDOW_HOURS: '48',
      GEO_ENABLED: 'false',
      VAULT_RETENTION_DAYS: '730',
    },
  );

const config = loadConfig();
const { logger, metrics } = powertools();
const secrets = new SecretsManagerStore();
const vaultKeys = new KmsKeyWrapper(config.VAULT_KEY_ARN);
const vaultStore = new DynamoVaultStore({
  keysTable: config.VAULT_KEYS_TABLE,
  entriesTable: config.VAULT_ENTRIES_TABLE,
  retentionDays: intEnv(config.VAULT_RETENTION_DAYS, 'VAULT_RETENTION_DAYS'),
});
// Created once per container: its cache is what keeps enrich from reading S3 on every batch.
const suppression = new S3SuppressionList(config.LAKE_BUCKET);

const buildDeps = async (): Promise<EnrichDeps> => ({
  delivery: new FirehoseDelivery({ deliveryStreamName: config.DELIVERY_STREAM_NAME }),
  quarantine: new FirehoseDelivery({ deliveryStreamName: config.QUARANTINE_STREAM_NAME }),
  // The raw archive: one object per batch and arrival hour, straight to the lake bucket.
  archive: new ObjectStoreDelivery(new S3ObjectStore(config.LAKE_BUCKET)),
  originals: new S3ObjectStore(config.LAKE_BUCKET),
  checkpoints: new DynamoCheckpointStore({ tableName: config.CHECKPOINT_TABLE_NAME }),
  enrich: {
    ua: new UserAgentCache(),
    geo: config.GEO_ENABLED === 'true' ? new GeoipLiteLookup() : noGeo,
    pseudonymizer: new Pseudonymizer(await secrets.get(config.PSEUDONYMIZATION_KEY_SECRET_ARN)),
    lateWindowMs: intEnv(config.LATE_WINDOW_HOURS, 'LATE_WINDOW_HOURS') * 3600_000,
  },
  privacy: { vault: new PiiVault(vaultStore, vaultKeys), keys: vaultKeys },
  suppression,
  clock: systemClock,
  logger,
  metrics,
});

// A failed secret read is retried by the next invocation.
const enrich = onceUnlessFailed(() => buildDeps().then(createEnrichHandler));

const invoke = async (...args: Parameters<ReturnType<typeof createEnrichHandler>>) =>
  (await enrich())(...args);

export const handler = correlated(
  (event: Parameters<typeof invoke>[0], context?: Parameters<typeof invoke>[1]) => invoke(event, context),
  (e) => ({
    firstSequence: field(e.Records?.[0], 'kinesis', 'sequenceNumber'),
    records: String(e.Records?.length ?? 0),
  }),
);
