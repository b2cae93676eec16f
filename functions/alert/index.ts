import { GetJobRunCommand, GlueClient } from '@aws-sdk/client-glue';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { SnsAlertPublisher } from '../../src/adapters/aws/sns-alerts';
import { readEnv } from '../../src/config/env';
import { createAlertHandler } from '../../src/handlers/alert';

/** Lambda entry: Glue job, Step Functions execution and alarm state changes → the alert topic. */
export const loadConfig = () => readEnv(['ALERT_TOPIC_ARN', 'RUNBOOK_URL']);

const config = loadConfig();
const { logger } = powertools();
const glue = new GlueClient({});

export const handler = correlated(
  createAlertHandler({
    publisher: new SnsAlertPublisher(config.ALERT_TOPIC_ARN),
    jobRunArguments: async (jobName, runId) =>
      (await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }))).JobRun?.Arguments ?? {},
    logger,
    runbookUrl: config.RUNBOOK_URL,
  }),
  (e) => ({ eventId: field(e, 'id'), execution: field(e, 'detail', 'executionArn') }),
);
