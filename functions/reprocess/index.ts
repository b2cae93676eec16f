import { DynamoVaultStore } from '../../src/adapters/aws/dynamodb-vault';
import { FirehoseDelivery } from '../../src/adapters/aws/firehose-delivery';
import { KmsKeyWrapper } from '../../src/adapters/aws/kms-key-wrapper';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { MemoryCheckpointStore } from '../../src/adapters/local/checkpoint';
import { onceUnlessFailed } from '../../src/adapters/once';
import { intEnv, readEnv } from '../../src/config/env';
import { noGeo } from '../../src/domain/enrich/geo';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { UserAgentCache } from '../../src/domain/enrich/useragent';
import { PiiVault } from '../../src/domain/privacy/vault';
import { createEnrichHandler } from '../../src/handlers/enrich';
import { createReprocessHandler, type ReprocessStep } from '../../src/handlers/reprocess';
import { systemClock } from '../../src/ports/clock';

/**
 * Lambda entry: the reprocess state machine's steps (plan, day, retire, finish). The day step runs
 * the enrich stage as deployed over archived raw records and writes the new bronze version to the
 * lake bucket itself; quarantine still goes through the quarantine Firehose stream.
 */
export const loadConfig = () =>
  readEnv(
    [
      'LAKE_BUCKET',
      'QUARANTINE_STREAM_NAME',
      'PSEUDONYMIZATION_KEY_SECRET_ARN',
      'VAULT_KEY_ARN',
      'VAULT_KEYS_TABLE',
      'VAULT_ENTRIES_TABLE',
    ],
    { LATE_WINDOW_HOURS: '48', VAULT_RETENTION_DAYS: '730', OBJECTS_PER_CALL: '20' },
  );

const config = loadConfig();
const { logger, metrics } = powertools();
const secrets = new SecretsManagerStore();
const keys = new KmsKeyWrapper(config.VAULT_KEY_ARN);
const vault = new PiiVault(
  new DynamoVaultStore({
    keysTable: config.VAULT_KEYS_TABLE,
    entriesTable: config.VAULT_ENTRIES_TABLE,
    retentionDays: intEnv(config.VAULT_RETENTION_DAYS, 'VAULT_RETENTION_DAYS'),
  }),
  keys,
);
const lake = new S3ObjectStore(config.LAKE_BUCKET);
const suppression = new S3SuppressionList(config.LAKE_BUCKET);

const steps = onceUnlessFailed(async () => {
  const pseudonymizer = new Pseudonymizer(await secrets.get(config.PSEUDONYMIZATION_KEY_SECRET_ARN));
  return createReprocessHandler({
    lake,
    privacy: { vault, keys },
    enrichInto: (delivery) =>
      createEnrichHandler({
        delivery,
        quarantine: new FirehoseDelivery({ deliveryStreamName: config.QUARANTINE_STREAM_NAME }),
        originals: lake,
        // Each archive object is a stream of its own, numbered from 1: never the stream's checkpoints.
        checkpoints: new MemoryCheckpointStore(),
        enrich: {
          ua: new UserAgentCache(),
          geo: noGeo,
          pseudonymizer,
          lateWindowMs: intEnv(config.LATE_WINDOW_HOURS, 'LATE_WINDOW_HOURS') * 3600_000,
        },
        privacy: { vault, keys },
        suppression,
        clock: systemClock,
        logger,
        metrics,
      }),
    clock: systemClock,
    logger,
    objectsPerCall: intEnv(config.OBJECTS_PER_CALL, 'OBJECTS_PER_CALL'),
  });
});

const invoke = async (event: ReprocessStep) => (await steps())(event);

export const handler = correlated(invoke, (e) => ({ execution: field(e, 'runId'), step: e.step }));
