import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { correlated, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { readEnv } from '../../src/config/env';
import { parseSubscriptions } from '../../src/domain/report-subscriptions';
import { unsubscribeRoute } from '../../src/handlers/report-delivery';

/**
 * Lambda entry: GET/POST /reports/unsubscribe on the HTTP API, the link in every report email and
 * webhook body. It can only check a link's token and leave the unsubscribe marker
 * (reports/unsubscribed/<id>.json): it sends nothing and reads no report.
 */
export const loadConfig = () => readEnv(['LAKE_BUCKET', 'REPORT_SUBSCRIPTIONS_SECRET_ARN']);

const config = loadConfig();
powertools();
const secrets = new SecretsManagerStore();

const route = unsubscribeRoute({
  objects: new S3ObjectStore(config.LAKE_BUCKET),
  config: async () =>
    parseSubscriptions(
      await secrets.get(config.REPORT_SUBSCRIPTIONS_SECRET_ARN),
      'the report subscriptions secret (ReportSubscriptionsSecret)',
      // Neither is used to unsubscribe.
      { sender: 'unused@invalid', unsubscribeUrl: 'https://unused.invalid/' },
    ),
});

export const handler = correlated(
  async (event: APIGatewayProxyEventV2) => route(event),
  () => ({}),
);
