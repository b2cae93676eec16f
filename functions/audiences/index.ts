import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { readEnv } from '../../src/config/env';
import { parseDestinations } from '../../src/domain/audience-sync';
import { type AudienceEvent, createAudienceHandler } from '../../src/handlers/audience-delivery';

/**
 * Lambda entry: audiences to their destinations (the daily pipeline's SyncAudiences state, the
 * forget state machine's deletes, and redrive on demand). Destinations and their signing secrets
 * are the AudienceDestinationsSecret; what each holds and the dead letters are in the lake bucket
 * under audiences/, file exports under exports/audiences/.
 */
export const loadConfig = () => readEnv(['LAKE_BUCKET', 'AUDIENCE_DESTINATIONS_SECRET_ARN']);

const config = loadConfig();
const { logger } = powertools();
const lake = new S3ObjectStore(config.LAKE_BUCKET);
// Cached a few minutes by the store: a destination added to the secret is picked up without a deploy.
const secrets = new SecretsManagerStore();

const handle = createAudienceHandler({
  bucket: config.LAKE_BUCKET,
  lake,
  state: lake,
  exports: lake,
  destinations: async () =>
    parseDestinations(
      await secrets.get(config.AUDIENCE_DESTINATIONS_SECRET_ARN),
      'the audience destinations secret (AudienceDestinationsSecret)',
    ),
  logger,
});

export const handler = correlated(
  async (event: AudienceEvent) => handle(event),
  (e) => ({ step: field(e, 'step') }),
);
