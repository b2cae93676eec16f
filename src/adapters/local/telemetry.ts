import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogAttributes, LoggerPort, MetricsPort, MetricUnitName } from '../../ports/telemetry';

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Structured JSON logger for the embedded runtime, writing to stderr so CLI output stays clean. */
export class LocalLogger implements LoggerPort {
  constructor(
    private readonly service: string,
    private readonly level: Level = (process.env.C360_LOG_LEVEL as Level | undefined) ?? 'warn',
  ) {}

  private write(level: Exclude<Level, 'silent'>, message: string, extra: (LogAttributes | Error)[]): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const entry: Record<string, unknown> = { level: level.toUpperCase(), service: this.service, message };
    for (const e of extra) {
      if (e instanceof Error) entry.error = { name: e.name, message: e.message, stack: e.stack };
      else Object.assign(entry, e);
    }
    process.stderr.write(`${JSON.stringify(entry)}\n`);
  }
  debug(message: string, ...extra: LogAttributes[]): void {
    this.write('debug', message, extra);
  }
  info(message: string, ...extra: LogAttributes[]): void {
    this.write('info', message, extra);
  }
  warn(message: string, ...extra: (LogAttributes | Error)[]): void {
    this.write('warn', message, extra);
  }
  error(message: string, ...extra: (LogAttributes | Error)[]): void {
    this.write('error', message, extra);
  }
}

/**
 * Metrics that produce the same CloudWatch EMF documents Powertools prints in Lambda, appended
 * to a file (or kept in memory when no file is given) so the embedded runtime can read them back.
 */
export class EmfMetrics implements MetricsPort {
  readonly published: Record<string, unknown>[] = [];
  private metrics = new Map<string, { unit: MetricUnitName; values: number[] }>();
  private dimensions: Record<string, string> = {};
  private dimensionSets: Record<string, string>[] = [];

  constructor(
    private readonly namespace: string,
    private readonly service: string,
    private readonly file?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  addMetric(name: string, unit: MetricUnitName, value: number): void {
    const m = this.metrics.get(name) ?? { unit, values: [] };
    m.values.push(value);
    this.metrics.set(name, m);
  }

  addDimension(name: string, value: string): void {
    this.dimensions[name] = value;
  }

  addDimensions(dimensions: Record<string, string>): void {
    this.dimensionSets.push({ ...dimensions });
  }

  publishStoredMetrics(): void {
    if (this.metrics.size === 0) return;
    const dims = { service: this.service, ...this.dimensions };
    // As Powertools does: the regular dimensions' set (when any were added, or no set was), then
    // one per dimension set, each with the service.
    const sets = [
      ...(Object.keys(this.dimensions).length > 0 || this.dimensionSets.length === 0
        ? [Object.keys(dims)]
        : []),
      ...this.dimensionSets.map((s) => [...new Set(['service', ...Object.keys(s)])]),
    ];
    for (const s of this.dimensionSets) Object.assign(dims, s);
    const doc: Record<string, unknown> = {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [
          {
            Namespace: this.namespace,
            Dimensions: sets,
            Metrics: [...this.metrics].map(([Name, m]) => ({ Name, Unit: m.unit })),
          },
        ],
      },
      ...dims,
    };
    for (const [name, m] of this.metrics) doc[name] = m.values.length === 1 ? m.values[0] : m.values;
    this.published.push(doc);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(doc)}\n`);
    this.metrics = new Map();
    this.dimensions = {};
    this.dimensionSets = [];
  }
}
