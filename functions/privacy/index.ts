import { profileStoreFromEnv } from '../../src/adapters/aws/dynamodb-profile-store';
import { DynamoVaultStore } from '../../src/adapters/aws/dynamodb-vault';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { onceUnlessFailed } from '../../src/adapters/once';
import { intEnv, readEnv } from '../../src/config/env';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { createPrivacyStepsHandler, type PrivacyStepEvent } from '../../src/handlers/privacy-steps';

/**
 * Lambda entry: the forget state machine's own steps (`subject`, `erase`). It may write the
 * suppression object and delete vault items; it cannot read the vault's values (no KMS grant).
 */
export const loadConfig = () =>
  readEnv(
    [
      'LAKE_BUCKET',
      'VAULT_KEYS_TABLE',
      'VAULT_ENTRIES_TABLE',
      'PSEUDONYMIZATION_KEY_SECRET_ARN',
      'PROFILE_IDENTITIES_TABLE',
      'PROFILE_LIVE_TABLE',
      'PROFILE_COMPUTED_TABLE',
    ],
    { SUPPRESSION_WAIT_SECONDS: '300' },
  );

const config = loadConfig();
const { logger, metrics } = powertools();
const secrets = new SecretsManagerStore();
// A failed secret read is retried by the next invocation.
const steps = onceUnlessFailed(() =>
  secrets.get(config.PSEUDONYMIZATION_KEY_SECRET_ARN).then((key) =>
    createPrivacyStepsHandler({
      pseudonymizer: new Pseudonymizer(key),
      suppression: new S3SuppressionList(config.LAKE_BUCKET),
      vault: new DynamoVaultStore({
        keysTable: config.VAULT_KEYS_TABLE,
        entriesTable: config.VAULT_ENTRIES_TABLE,
      }),
      // The person's profiles and identity links (the live and computed halves) go too.
      profiles: profileStoreFromEnv(config),
      waitSeconds: intEnv(config.SUPPRESSION_WAIT_SECONDS, 'SUPPRESSION_WAIT_SECONDS'),
      logger,
      metrics,
    }),
  ),
);

const invoke = async (event: PrivacyStepEvent) => (await steps())(event);

export const handler = correlated(invoke, (e) => ({ execution: field(e, 'execution'), step: e.step }));
