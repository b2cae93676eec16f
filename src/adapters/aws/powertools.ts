import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
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
