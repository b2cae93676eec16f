import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { SageMakerScorer } from '../../src/adapters/aws/sagemaker-scorer';
import { readEnv } from '../../src/config/env';
import { createScoreHandler } from '../../src/handlers/score';

/**
 * Lambda entry: one scoring batch of the daily pipeline's Map state: churn through the SageMaker
 * endpoint, CLV, P(alive) and segments with the live customer models.
 */
export const loadConfig = () => readEnv(['LAKE_BUCKET', 'CHURN_ENDPOINT_NAME']);

const config = loadConfig();
const { logger, metrics } = powertools();
const lake = new S3ObjectStore(config.LAKE_BUCKET);

export const handler = correlated(
  createScoreHandler({
    objects: lake,
    // The customer models' artifacts are in the lake bucket (models/customer/<version>/).
    models: lake,
    scorer: new SageMakerScorer({ endpointName: config.CHURN_ENDPOINT_NAME }),
    logger,
    metrics,
  }),
  (e) => ({ execution: field(e, 'execution'), batch: field(e, 'batch') }),
);
