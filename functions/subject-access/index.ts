import { DynamoVaultStore } from '../../src/adapters/aws/dynamodb-vault';
import { KmsKeyWrapper } from '../../src/adapters/aws/kms-key-wrapper';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { onceUnlessFailed } from '../../src/adapters/once';
import { readEnv } from '../../src/config/env';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { PiiVault } from '../../src/domain/privacy/vault';
import { createSubjectAccessHandler, type SubjectAccessEvent } from '../../src/handlers/subject-access';
import { systemClock } from '../../src/ports/clock';

/**
 * Lambda entry: the subject access state machine's own steps (`plan`, `package`). The one function
 * that may open the PII vault for reading (KMS Decrypt on the vault key for the vault's context),
 * and it writes only under access/ in the lake bucket.
 */
export const loadConfig = () =>
  readEnv([
    'LAKE_BUCKET',
    'VAULT_KEY_ARN',
    'VAULT_KEYS_TABLE',
    'VAULT_ENTRIES_TABLE',
    'PSEUDONYMIZATION_KEY_SECRET_ARN',
    'REDSHIFT_UNLOAD_ROLE_ARN',
  ]);

const config = loadConfig();
const { logger, metrics } = powertools();
const secrets = new SecretsManagerStore();
// A failed secret read is retried by the next invocation.
const steps = onceUnlessFailed(() =>
  secrets.get(config.PSEUDONYMIZATION_KEY_SECRET_ARN).then((key) =>
    createSubjectAccessHandler({
      pseudonymizer: new Pseudonymizer(key),
      vault: new PiiVault(
        new DynamoVaultStore({
          keysTable: config.VAULT_KEYS_TABLE,
          entriesTable: config.VAULT_ENTRIES_TABLE,
        }),
        new KmsKeyWrapper(config.VAULT_KEY_ARN),
      ),
      objects: new S3ObjectStore(config.LAKE_BUCKET),
      // Which audience destinations hold the person (the audience function's state, audiences/held/).
      audienceState: new S3ObjectStore(config.LAKE_BUCKET),
      clock: systemClock,
      logger,
      metrics,
      unload: { bucket: config.LAKE_BUCKET, roleArn: config.REDSHIFT_UNLOAD_ROLE_ARN },
    }),
  ),
);

const invoke = async (event: SubjectAccessEvent) => (await steps())(event);

export const handler = correlated(invoke, (e) => ({ step: field(e, 'step') }));
