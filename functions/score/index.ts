import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { SageMakerScorer } from '../../src/adapters/aws/sagemaker-scorer';
import { readEnv } from '../../src/config/env';
import { createScoreHandler } from '../../src/handlers/score';

/** Lambda entry: one scoring batch of the daily pipeline's Map state, through the SageMaker endpoint. */
export const loadConfig = () =>
  readEnv(['LAKE_BUCKET', 'CHURN_ENDPOINT_NAME', 'MODEL_VERSION'], { MODEL_NAME: 'churn' });

const config = loadConfig();
const { logger, metrics } = powertools();

export const handler = correlated(
  createScoreHandler({
    objects: new S3ObjectStore(config.LAKE_BUCKET),
    scorer: new SageMakerScorer({ endpointName: config.CHURN_ENDPOINT_NAME }),
    model: config.MODEL_NAME,
    modelVersion: config.MODEL_VERSION,
    logger,
    metrics,
  }),
  (e) => ({ execution: field(e, 'execution'), batch: field(e, 'batch') }),
);
