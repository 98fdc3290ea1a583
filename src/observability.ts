/**
 * Powertools logger and metrics shared by every function. Logs are JSON lines; metrics are
 * CloudWatch EMF lines in namespace POWERTOOLS_METRICS_NAMESPACE (Krafter/Domains), dimension
 * `service`. Metric names are constants here so the stack's alarms and dashboard use the same ones.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'domains-api';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Krafter/Domains',
});

export const METRIC = {
  domainCreated: 'DomainCreated',
  domainDeleted: 'DomainDeleted',
  /** A never-verified domain let go of its name (see services/release.ts). */
  domainReleased: 'DomainReleased',
  /** Dimension `outcome`: verified | pending | failed | skipped. */
  verificationCheck: 'VerificationCheck',
  /** Dimension `to`: the new status. */
  statusTransition: 'StatusTransition',
  sesThrottled: 'SesThrottled',
  sesRetry: 'SesRetry',
} as const;

export function count(name: string, dimensions: Record<string, string> = {}): void {
  if (Object.keys(dimensions).length === 0) {
    metrics.addMetric(name, MetricUnit.Count, 1);
    return;
  }
  const single = metrics.singleMetric();
  for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
  single.addMetric(name, MetricUnit.Count, 1);
}

/** Flushes the invocation's metrics, if any (an empty flush would only log a warning). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
