import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { LoggerPort, MetricsPort } from '../../ports/telemetry';

/**
 * Powertools logger and metrics, created once per Lambda cold start. Service name and
 * namespace come from the template Globals (POWERTOOLS_SERVICE_NAME,
 * POWERTOOLS_METRICS_NAMESPACE); log level from POWERTOOLS_LOG_LEVEL.
 */
let cached: { logger: Logger; metrics: Metrics } | null = null;

export function powertools(): { logger: Logger & LoggerPort; metrics: Metrics & MetricsPort } {
  cached ??= {
    logger: new Logger(),
    metrics: new Metrics({ defaultDimensions: {} }),
  };
  return cached as { logger: Logger & LoggerPort; metrics: Metrics & MetricsPort };
}

/** A field of an unknown event, as a string (correlation ids are read defensively). */
export const field = (v: unknown, ...path: string[]): string | undefined => {
  let cur: unknown = v;
  for (const k of path)
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return typeof cur === 'string' || typeof cur === 'number' ? String(cur) : undefined;
};

/**
 * Every log line of an invocation carries its correlation ids: the Lambda request id (with the
 * function name and cold start, from the context) and what the event names: an API request id,
 * a Step Functions execution id, an EventBridge event id, the Kinesis batch's first sequence.
 */
export function correlated<E, R>(
  handler: (event: E, context?: Context) => Promise<R>,
  ids: (event: E) => Record<string, string | undefined>,
): (event: E, context?: Context) => Promise<R> {
  const { logger } = powertools();
  return async (event, context) => {
    if (context) logger.addContext(context);
    const keys = Object.fromEntries(Object.entries(ids(event)).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    logger.appendKeys(keys);
    try {
      return await handler(event, context);
    } finally {
      logger.removeKeys(Object.keys(keys));
    }
  };
}
