import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { SecretsManagerStore } from '../../src/adapters/aws/secrets';
import { sesMailer } from '../../src/adapters/aws/ses-mailer';
import { readEnv } from '../../src/config/env';
import { parseSubscriptions } from '../../src/domain/report-subscriptions';
import { createReportHandler, type ReportEvent } from '../../src/handlers/report-delivery';

/**
 * Lambda entry: the reports to their subscribers (the daily pipeline's PlanReports and
 * DeliverReports states). Subscriptions and the unsubscribe signing key are the
 * ReportSubscriptionsSecret; the reports, receipts and unsubscribe markers are under reports/ in
 * the lake bucket; email goes through SES from REPORT_SENDER.
 */
export const loadConfig = () =>
  readEnv(['LAKE_BUCKET', 'REPORT_SUBSCRIPTIONS_SECRET_ARN', 'REPORT_SENDER', 'UNSUBSCRIBE_URL']);

const config = loadConfig();
const { logger } = powertools();
const lake = new S3ObjectStore(config.LAKE_BUCKET);
// Cached a few minutes by the store: a subscription added to the secret is picked up without a deploy.
const secrets = new SecretsManagerStore();

const handle = createReportHandler({
  objects: lake,
  config: async () =>
    parseSubscriptions(
      await secrets.get(config.REPORT_SUBSCRIPTIONS_SECRET_ARN),
      'the report subscriptions secret (ReportSubscriptionsSecret)',
      { sender: config.REPORT_SENDER, unsubscribeUrl: config.UNSUBSCRIBE_URL },
    ),
  sendMail: sesMailer(),
});

export const handler = correlated(
  async (event: ReportEvent) => {
    const out = await handle(event);
    logger.info('reports', { step: event.step, ...out });
    return out;
  },
  (e) => ({ step: field(e, 'step'), date: field(e, 'date') }),
);
