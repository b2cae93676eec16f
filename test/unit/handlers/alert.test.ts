import { GetJobRunCommand, GlueClient } from '@aws-sdk/client-glue';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsAlertPublisher } from '../../../src/adapters/aws/sns-alerts';
import { LocalLogger } from '../../../src/adapters/local/telemetry';
import { ALERTED_FAILURE, createAlertHandler } from '../../../src/handlers/alert';

// Event shapes: the EventBridge event reference for Glue ("Glue Job State Change"), Step Functions
// ("Step Functions Execution Status Change") and CloudWatch ("CloudWatch Alarm State Change").
const sns = mockClient(SNSClient);
const glue = mockClient(GlueClient);

const glueFailed = {
  version: '0',
  source: 'aws.glue',
  'detail-type': 'Glue Job State Change',
  time: '2026-11-29T02:41:07Z',
  detail: {
    jobName: 'c360-etl-prod',
    severity: 'ERROR',
    state: 'FAILED',
    jobRunId: 'jr_5c2d8e0c3b9f1a',
    message: 'AnalysisException: Path does not exist: s3://lake/bronze/events/dt=2026-11-28',
  },
};
const executionEvent = (status: string, error: string, input: string) => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:c360-backfill-prod:run-42',
    stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:c360-backfill-prod',
    name: 'run-42',
    status,
    input,
    error,
    cause: 'Execution was aborted by an operator',
  },
});

describe('alert Lambda', () => {
  const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
  const handler = () =>
    createAlertHandler({
      publisher: new SnsAlertPublisher('arn:aws:sns:eu-west-1:123456789012:c360-alerts', new SNSClient({})),
      jobRunArguments: async (job, run) =>
        (await new GlueClient({}).send(new GetJobRunCommand({ JobName: job, RunId: run }))).JobRun
          ?.Arguments ?? {},
      logger: new LocalLogger('test', 'silent'),
      runbookUrl: 'https://example.test/ops.md',
    });
  beforeEach(() => {
    sns.reset();
    glue.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('a failed Glue run alerts with the run dates from its arguments and the job message', async () => {
    glue.on(GetJobRunCommand, { JobName: 'c360-etl-prod', RunId: 'jr_5c2d8e0c3b9f1a' }).resolves({
      JobRun: { Arguments: { '--run_date_from': '2026-11-28', '--run_date_to': '2026-11-28' } },
    });
    const out = await handler()(glueFailed);
    expect(out.published).toBe(true);
    const [msg] = published();
    expect(msg?.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:c360-alerts');
    expect(msg?.Subject).toBe('c360 ETL job FAILED (2026-11-28)');
    expect(msg?.Message).toContain('jr_5c2d8e0c3b9f1a for 2026-11-28 ended FAILED');
    expect(msg?.Message).toContain(glueFailed.detail.message);
  });

  it('still alerts when the job run cannot be read, with the dates unknown', async () => {
    glue.on(GetJobRunCommand).rejects(new Error('AccessDenied'));
    await handler()(glueFailed);
    expect(published()[0]?.Subject).toBe('c360 ETL job FAILED (unknown dates)');
  });

  it('pipeline executions: timeouts and aborts alert with the input dates; a Catch-alerted failure is not repeated', async () => {
    await handler()(executionEvent('ABORTED', '', '{"from":"2026-01-01","to":"2026-01-31","engine":"emr"}'));
    expect(published()[0]?.Subject).toBe('c360 c360-backfill-prod ABORTED (2026-01-01 to 2026-01-31)');
    expect(published()[0]?.Message).toContain('Execution was aborted by an operator');
    expect(published()[0]?.Message).toContain('execution:c360-backfill-prod:run-42');

    const skipped = await handler()(executionEvent('FAILED', ALERTED_FAILURE, '{"date":"2026-11-28"}'));
    expect(skipped).toEqual({ published: false, reason: 'the pipeline alerted from its Catch already' });
    await handler()(executionEvent('FAILED', 'States.Runtime', '{}'));
    expect(published()).toHaveLength(2);
    expect(published()[1]?.Subject).toContain('(the default date (yesterday, UTC))');
  });

  it('a scheduled daily run that failed, timed out or was aborted counts as due and late, alerted or not; reruns and other machines do not', async () => {
    const counted: string[] = [];
    const h = createAlertHandler({
      publisher: new SnsAlertPublisher('arn:aws:sns:eu-west-1:123456789012:c360-alerts', new SNSClient({})),
      logger: new LocalLogger('test', 'silent'),
      countMissedRun: async (p) => {
        counted.push(p);
      },
    });
    const daily = (status: string, error: string, input: string) => {
      const e = executionEvent(status, error, input);
      e.detail.stateMachineArn =
        'arn:aws:states:eu-west-1:123456789012:stateMachine:c360-daily-pipeline-prod';
      return e;
    };
    await h(daily('FAILED', ALERTED_FAILURE, '{}'));
    await h(daily('TIMED_OUT', '', '{}'));
    await h(daily('ABORTED', '', '{"engine":"glue"}'));
    expect(counted).toEqual(['daily', 'daily', 'daily']);
    await h(daily('FAILED', 'States.Runtime', '{"date":"2026-11-28"}'));
    await h(daily('SUCCEEDED', '', '{}'));
    await h(executionEvent('FAILED', 'States.Runtime', '{}'));
    expect(counted).toHaveLength(3);
  });

  it('stream and delivery alarms alert only on ALARM, with the runbook section', async () => {
    const alarm = (value: string) => ({
      'detail-type': 'CloudWatch Alarm State Change',
      time: '2026-11-29T03:00:00Z',
      detail: {
        alarmName: 'c360-prod-EnrichFailureQueueAlarm-1X2Y3Z',
        state: {
          value,
          reason: 'Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).',
        },
        configuration: {
          description: 'Enrich gave up on stream records (retries exhausted); run c360 redrive',
        },
      },
    });
    expect(await handler()(alarm('OK'))).toEqual({ published: false, reason: 'alarm OK' });
    await handler()(alarm('ALARM'));
    const [msg] = published();
    expect(msg?.Subject).toBe('c360 EnrichFailureQueueAlarm in ALARM');
    expect(msg?.Message).toContain('run c360 redrive');
    expect(msg?.Message).toContain('datapoint [3.0]');
    expect(msg?.Message).toContain('https://example.test/ops.md#enrichfailurequeuealarm');
  });

  it('an event the rules should not send is an error, and an SNS failure surfaces', async () => {
    await expect(
      handler()({ 'detail-type': 'EC2 Instance State-change Notification', detail: {} }),
    ).rejects.toThrow('unexpected event "EC2 Instance State-change Notification"');
    sns.on(PublishCommand).rejects(new Error('KMS key disabled'));
    glue.on(GetJobRunCommand).resolves({ JobRun: {} });
    await expect(handler()(glueFailed)).rejects.toThrow('KMS key disabled');
  });

  it('keeps SNS subjects within its limit (100 printable ASCII characters)', async () => {
    const event = executionEvent('TIMED_OUT', '', JSON.stringify({ date: 'lundi\n28 février' }));
    event.detail.stateMachineArn = `arn:aws:states:eu-west-1:1:stateMachine:${'c360-backfill-'.repeat(8)}`;
    await handler()(event);
    const subject = published()[0]?.Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});
