/**
 * The narrow slices of Powertools Logger and Metrics that business code uses. Powertools
 * objects satisfy them structurally (AWS); the embedded runtime passes EMF-to-file and quiet
 * implementations (src/adapters/local/telemetry.ts), so handlers never branch on "local".
 */
export type LogAttributes = Record<string, unknown>;

export interface LoggerPort {
  debug(message: string, ...extra: LogAttributes[]): void;
  info(message: string, ...extra: LogAttributes[]): void;
  warn(message: string, ...extra: (LogAttributes | Error)[]): void;
  error(message: string, ...extra: (LogAttributes | Error)[]): void;
}

/** Units used by c360 (a subset of CloudWatch's). */
export type MetricUnitName =
  | 'Count'
  | 'Milliseconds'
  | 'Seconds'
  | 'Bytes'
  | 'Percent'
  | 'Count/Second'
  | 'None';

export interface MetricsPort {
  addMetric(name: string, unit: MetricUnitName, value: number): void;
  addDimension(name: string, value: string): void;
  /**
   * A dimension set of its own: the next published metrics are counted once per set (CloudWatch
   * aggregates by the exact set), so a total and a per-key breakdown are both queryable. `{}` is the
   * service's own total.
   */
  addDimensions(dimensions: Record<string, string>): void;
  /** Flushes the stored metrics as one EMF document. */
  publishStoredMetrics(): void;
}
