import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
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
const cloudwatch = new CloudWatchClient({});

export const handler = correlated(
  createAlertHandler({
    publisher: new SnsAlertPublisher(config.ALERT_TOPIC_ARN),
    jobRunArguments: async (jobName, runId) =>
      (await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }))).JobRun?.Arguments ?? {},
    logger,
    runbookUrl: config.RUNBOOK_URL,
    // The same metrics, namespace and dimension the daily pipeline's PublishMetrics state writes.
    countMissedRun: async (pipeline) => {
      const Dimensions = [{ Name: 'pipeline', Value: pipeline }];
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'c360',
          MetricData: [
            { MetricName: 'PipelineScheduledRuns', Value: 1, Unit: 'Count', Dimensions },
            { MetricName: 'PipelineOnTime', Value: 0, Unit: 'Count', Dimensions },
          ],
        }),
      );
    },
  }),
  (e) => ({ eventId: field(e, 'id'), execution: field(e, 'detail', 'executionArn') }),
);
