import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { correlated, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { readEnv } from '../../src/config/env';
import { createLakeArtifactsResource } from '../../src/handlers/lake-artifacts-resource';
import { ARTIFACTS } from '../../src/infra/lake-artifacts.generated';

/** Lambda entry: the LakeArtifacts custom resource (the SQL plan and Glue scripts into the lake bucket). */
export const loadConfig = () => readEnv(['LAKE_BUCKET']);

const config = loadConfig();
const { logger } = powertools();

export const handler = correlated(
  (event: CloudFormationCustomResourceEvent, context?: Context) =>
    createLakeArtifactsResource({ objects: new S3ObjectStore(config.LAKE_BUCKET), files: ARTIFACTS, logger })(
      event,
      context,
    ),
  (e) => ({ stackId: e.StackId, requestType: e.RequestType }),
);
