import { createAuditTrail } from '../../functions/lib/telemetry/audit';
import { emitCountMetric } from '../../functions/lib/telemetry/count-metric';
import { createMetrics, type AuthMetrics } from '../../functions/lib/telemetry/metrics';
import { recordingLogger } from '../helpers/harness';

describe('metrics', () => {
  it('counts each security event in its metric', async () => {
    const counted: string[] = [];
    const metrics: AuthMetrics = { count: (n) => void counted.push(n), latencyMs: () => undefined, flush: () => undefined };
    const audit = createAuditTrail({ logger: recordingLogger(), now: () => 0, retentionDays: 1, metrics });
    for (const event of [
      'login_succeeded',
      'login_failed',
      'login_throttled',
      'refresh_succeeded',
      'refresh_reuse_detected',
      'logout',
      'token_rejected',
    ] as const) {
      await audit.record(event, { requestId: 'r' });
    }
    expect(counted).toEqual(['LoginSucceeded', 'LoginFailed', 'LoginThrottled', 'Refreshed', 'ReuseDetected', 'Revocations']);
  });

  it('publishes CloudWatch embedded metric format on flush, once per invocation', () => {
    const saved = process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const metrics = createMetrics('Auth-prod/Auth');
      metrics.count('LoginFailed');
      metrics.latencyMs(12);
      metrics.flush();
      metrics.flush();
    } finally {
      write.mockRestore();
      process.env.POWERTOOLS_METRICS_DISABLED = saved;
    }
    const emf = lines.map(
      (l) => JSON.parse(l) as { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] }; LoginFailed: number },
    );
    expect(emf).toHaveLength(1);
    expect(emf[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('AuthService');
    expect(emf[0]?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort()).toEqual(['Latency', 'LoginFailed']);
    expect(emf[0]?.LoginFailed).toBe(1);
    expect(emf[0]).toMatchObject({ service: 'Auth-prod/Auth' });
  });

  it("writes the authorizer's count line in the same shape as Powertools, under the stack's service", () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      emitCountMetric('AuthorizerFailure', 'Auth-dev/Auth');
    } finally {
      write.mockRestore();
    }
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            { Namespace: 'AuthService', Dimensions: [['service']], Metrics: [{ Name: 'AuthorizerFailure', Unit: 'Count' }] },
          ],
        },
        service: 'Auth-dev/Auth',
        AuthorizerFailure: 1,
      },
    ]);
  });
});
