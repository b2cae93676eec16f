/** Where operator alerts go. AWS: the SNS alert topic; embedded: `<data>/state/alerts.ndjson`. */
export interface AlertPublisher {
  publish(alert: { subject: string; message: string }): Promise<void>;
}

/** The arguments a Glue job run was started with (to name the run's dates in an alert). */
export type JobRunArguments = (jobName: string, jobRunId: string) => Promise<Record<string, string>>;
