import { randomUUID } from 'node:crypto';
import { DynamoReplayGuard } from '../../src/adapters/aws/dynamodb-replay-guard';
import { KinesisEventStream } from '../../src/adapters/aws/kinesis-stream';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { readEnv } from '../../src/config/env';
import { createWebhookHandler } from '../../src/handlers/webhooks';
import { systemClock } from '../../src/ports/clock';

/** Lambda entry: provider webhooks and ad-network postbacks behind the HTTP API. */
export const loadConfig = () => readEnv(['STREAM_NAME', 'WEBHOOK_SECRETS_ARN', 'REPLAY_TABLE_NAME']);

const config = loadConfig();
const { logger, metrics } = powertools();

export const handler = correlated(
  createWebhookHandler({
    stream: new KinesisEventStream({ streamName: config.STREAM_NAME }),
    secrets: new SecretsManagerStore(),
    secretName: config.WEBHOOK_SECRETS_ARN,
    replayGuard: new DynamoReplayGuard({ tableName: config.REPLAY_TABLE_NAME }),
    clock: systemClock,
    ids: randomUUID,
    logger,
    metrics,
  }),
  (e) => ({ requestId: field(e, 'requestContext', 'requestId') }),
);
