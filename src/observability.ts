/**
 * Powertools logger and metrics shared by every function. Logs are JSON lines; metrics are
 * CloudWatch EMF lines in namespace POWERTOOLS_METRICS_NAMESPACE (Krafter/Domains), dimension
 * `service`. The metric names live in deployment.ts, where the stack's alarms and dashboard read
 * them without constructing these.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type CELL_METRIC, type METRIC, METRICS_NAMESPACE, SERVICE_NAME } from './deployment.js';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME;

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
});

export type MetricName = (typeof METRIC)[keyof typeof METRIC] | (typeof CELL_METRIC)[keyof typeof CELL_METRIC];

export function count(name: MetricName, dimensions: Record<string, string> = {}): void {
  if (Object.keys(dimensions).length === 0) {
    metrics.addMetric(name, MetricUnit.Count, 1);
    return;
  }
  const single = metrics.singleMetric();
  for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
  single.addMetric(name, MetricUnit.Count, 1);
}

/** A level (e.g. how full a cell is), published at once with its dimensions. */
export function gauge(
  name: MetricName,
  value: number,
  dimensions: Record<string, string>,
  unit = MetricUnit.Percent,
): void {
  const single = metrics.singleMetric();
  for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
  single.addMetric(name, unit, value);
}

/** Flushes the invocation's metrics, if any (an empty flush would only log a warning). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
