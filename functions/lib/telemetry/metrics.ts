import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, METRICS_NAMESPACE, type MetricName, SERVICE_NAME } from '../contract/telemetry';
import type { AuthEvent } from './events';
import type { FactorName } from '../domain/factors';

export { METRIC, METRICS_NAMESPACE, type MetricName } from '../contract/telemetry';

/** The metric each security event counts in, if any. */
export const EVENT_METRICS: Partial<Record<AuthEvent, MetricName>> = {
  login_succeeded: METRIC.loginSucceeded,
  login_failed: METRIC.loginFailed,
  login_throttled: METRIC.loginThrottled,
  refresh_succeeded: METRIC.refreshed,
  refresh_reuse_detected: METRIC.reuseDetected,
  logout: METRIC.revocations,
  session_revoked: METRIC.revocations,
  sessions_revoked: METRIC.revocations,
  client_token_issued: METRIC.clientTokensIssued,
  client_auth_failed: METRIC.clientAuthFailed,
  mfa_challenged: METRIC.mfaChallenged,
  mfa_verified: METRIC.mfaSucceeded,
  step_up: METRIC.mfaSucceeded,
  mfa_failed: METRIC.mfaFailed,
};

/** The second count an MFA outcome adds, by factor. */
export const MFA_FACTOR_METRICS: Readonly<Record<'success' | 'failure', Readonly<Record<FactorName, MetricName>>>> = {
  success: { totp: METRIC.mfaSucceededTotp, webauthn: METRIC.mfaSucceededWebAuthn, recovery_code: METRIC.mfaSucceededRecoveryCode },
  failure: { totp: METRIC.mfaFailedTotp, webauthn: METRIC.mfaFailedWebAuthn, recovery_code: METRIC.mfaFailedRecoveryCode },
};

/** What the functions record; flushed once per invocation. */
export interface AuthMetrics {
  count(name: MetricName): void;
  latencyMs(ms: number): void;
  flush(): void;
}

/**
 * Powertools Metrics, in CloudWatch embedded metric format: one JSON line per invocation on
 * stdout, which CloudWatch turns into metrics with no API call. POWERTOOLS_METRICS_DISABLED
 * turns it off. `service` is the metrics' one dimension (a stack's own, on AWS).
 */
export function createMetrics(service: string = SERVICE_NAME): AuthMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
  let pending = 0;
  return {
    count(name) {
      metrics.addMetric(name, MetricUnit.Count, 1);
      pending++;
    },
    latencyMs(ms) {
      metrics.addMetric(METRIC.latency, MetricUnit.Milliseconds, ms);
      pending++;
    },
    flush() {
      if (pending === 0) return;
      pending = 0;
      metrics.publishStoredMetrics();
    },
  };
}
