import { METRICS_NAMESPACE, SERVICE_NAME } from '../contract/telemetry';

/**
 * One count in CloudWatch embedded metric format, as Powertools Metrics writes it (namespace
 * AuthService, dimension `service`), for code that keeps Powertools out of its bundle.
 */
export function emitCountMetric(name: string, service: string = SERVICE_NAME): void {
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: [{ Name: name, Unit: 'Count' }] }],
    },
    service,
    [name]: 1,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
