import { C360Error } from '../domain/errors';
import type { AlertPublisher, JobRunArguments } from '../ports/alerts';
import type { LoggerPort } from '../ports/telemetry';

/**
 * The alert Lambda: EventBridge events that need an operator become one readable alert on the
 * alert topic, naming the run's date, the state and the cause.
 *
 * - Glue Job State Change (FAILED, TIMEOUT, STOPPED, ERROR) of the ETL job: the run's dates come
 *   from the job run's arguments (a lookup failure still alerts, with the dates unknown).
 * - Step Functions Execution Status Change (FAILED, TIMED_OUT, ABORTED) of the pipelines: a FAILED
 *   run that ended in the definition's own `PipelineFailed` state has already alerted from its
 *   Catch (with the failed state), so it is not repeated; timeouts, aborts and other failures are.
 * - CloudWatch Alarm State Change to ALARM of the stream and delivery alarms, with the runbook.
 * Anything else is an error (a rule matching more than this handler understands is a bug).
 */
export interface AlertDeps {
  publisher: AlertPublisher;
  jobRunArguments?: JobRunArguments;
  logger: LoggerPort;
  /** Where the runbooks live (alarm alerts link `<runbookUrl>#<alarm>`). */
  runbookUrl?: string;
  /**
   * Counts a scheduled daily run that failed, timed out or was aborted as due and not on time
   * (PipelineScheduledRuns 1, PipelineOnTime 0, dimension pipeline=daily): the on-time SLO must
   * see the runs that never reached their own PublishMetrics state.
   */
  countMissedRun?: (pipeline: 'daily') => Promise<void>;
}

interface EventBridgeEvent {
  'detail-type'?: string;
  detail?: Record<string, unknown>;
  time?: string;
}

export type AlertResult = { published: true; subject: string } | { published: false; reason: string };

const GLUE_ALERT_STATES = new Set(['FAILED', 'TIMEOUT', 'STOPPED', 'ERROR']);
const EXECUTION_ALERT_STATES = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);
/** The Fail state the pipeline definitions end in after their Catch → SNS alert. */
export const ALERTED_FAILURE = 'PipelineFailed';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function runDates(input: string | undefined): string {
  if (!input) return 'the default date (yesterday, UTC)';
  try {
    const i = JSON.parse(input) as { date?: unknown; from?: unknown; to?: unknown };
    if (str(i.from) && str(i.to)) return `${i.from} to ${i.to}`;
    if (str(i.date)) return String(i.date);
  } catch {
    return 'an unreadable input';
  }
  return 'the default date (yesterday, UTC)';
}

/** The daily pipeline started by its schedule (input without a date), not a rerun or backfill. */
export function isScheduledDailyRun(stateMachineArn: string | undefined, input: string | undefined): boolean {
  const machine = stateMachineArn?.split(':').at(-1) ?? '';
  if (!/^c360-daily-pipeline(-|$)/.test(machine)) return false;
  try {
    const i = JSON.parse(input || '{}') as Record<string, unknown>;
    return i.date === undefined && i.from === undefined && i.to === undefined;
  } catch {
    return false;
  }
}

export const createAlertHandler =
  (deps: AlertDeps) =>
  async (event: EventBridgeEvent): Promise<AlertResult> => {
    const type = event['detail-type'];
    const d = event.detail ?? {};
    let alert: { subject: string; message: string } | null = null;

    if (type === 'Glue Job State Change') {
      const state = str(d.state) ?? 'UNKNOWN';
      if (!GLUE_ALERT_STATES.has(state)) return { published: false, reason: `Glue state ${state}` };
      const job = str(d.jobName) ?? 'unknown job';
      const run = str(d.jobRunId) ?? 'unknown run';
      let dates = 'unknown dates';
      if (deps.jobRunArguments && d.jobRunId) {
        try {
          const a = await deps.jobRunArguments(job, run);
          const from = a['--run_date_from'];
          const to = a['--run_date_to'];
          if (from) dates = from === to || !to ? from : `${from} to ${to}`;
        } catch (err) {
          deps.logger.warn('could not read the Glue job run arguments', {
            job,
            run,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      alert = {
        subject: `c360 ETL job ${state} (${dates})`,
        message: `c360 Glue job ${job} run ${run} for ${dates} ended ${state}: ${str(d.message) ?? 'no message'}. Rerun with c360 pipeline run --date (embedded) or start the DailyPipeline state machine with {"date": …} (AWS) after fixing the cause.`,
      };
    } else if (type === 'Step Functions Execution Status Change') {
      const status = str(d.status) ?? 'UNKNOWN';
      if (!EXECUTION_ALERT_STATES.has(status)) return { published: false, reason: `execution ${status}` };
      if (deps.countMissedRun && isScheduledDailyRun(str(d.stateMachineArn), str(d.input)))
        await deps.countMissedRun('daily');
      if (status === 'FAILED' && d.error === ALERTED_FAILURE)
        return { published: false, reason: 'the pipeline alerted from its Catch already' };
      const machine = str(d.stateMachineArn)?.split(':').at(-1) ?? 'unknown state machine';
      const dates = runDates(str(d.input));
      alert = {
        subject: `c360 ${machine} ${status} (${dates})`,
        message: `c360 ${machine} execution ${str(d.name) ?? ''} for ${dates} ended ${status}: ${str(d.error) ?? status}: ${str(d.cause) ?? 'no cause given'}. History: ${str(d.executionArn) ?? 'unknown execution'}.`,
      };
    } else if (type === 'CloudWatch Alarm State Change') {
      const state = d.state as { value?: string; reason?: string } | undefined;
      if (state?.value !== 'ALARM') return { published: false, reason: `alarm ${state?.value ?? 'UNKNOWN'}` };
      const name = str(d.alarmName) ?? 'unknown alarm';
      const config = d.configuration as { description?: string } | undefined;
      const short = name.replace(/^.*?-(\w+Alarm)-.*$/, '$1');
      alert = {
        subject: `c360 ${short} in ALARM`,
        message:
          `c360 alarm ${name} is in ALARM since ${event.time ?? 'now'}: ${config?.description ?? ''} ${state.reason ?? ''}`.trim() +
          (deps.runbookUrl ? ` Runbook: ${deps.runbookUrl}#${short.toLowerCase()}` : ''),
      };
    } else {
      throw new C360Error(
        `alert handler: unexpected event "${type ?? 'without detail-type'}"; the EventBridge rules should send only Glue job, Step Functions execution and CloudWatch alarm state changes`,
      );
    }
    await deps.publisher.publish(alert);
    deps.logger.info('alert published', { subject: alert.subject });
    return { published: true, subject: alert.subject };
  };
