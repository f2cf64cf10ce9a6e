import { METRICS_NAMESPACE, SERVICE_NAME } from '../contract/telemetry';

/**
 * One count in CloudWatch embedded metric format, as Powertools Metrics writes it (namespace
 * AuthService, dimension service=auth), for code that keeps Powertools out of its bundle.
 */
export function emitCountMetric(name: string): void {
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: [{ Name: name, Unit: 'Count' }] }],
    },
    service: SERVICE_NAME,
    [name]: 1,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
