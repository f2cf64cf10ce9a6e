/**
 * The names the service's telemetry uses, declared once: the functions write them, and the
 * construct's dashboard and alarms read them. Plain data, so the authorizer can use them
 * without Powertools.
 */

/** The `service` of every log line, metric and trace. */
export const SERVICE_NAME = 'auth';

/** CloudWatch namespace of the service's metrics. */
export const METRICS_NAMESPACE = 'AuthService';

/** Metrics the service publishes, and the dashboard and alarms watch. */
export const METRIC = {
  loginSucceeded: 'LoginSucceeded',
  loginFailed: 'LoginFailed',
  loginThrottled: 'LoginThrottled',
  refreshed: 'Refreshed',
  reuseDetected: 'ReuseDetected',
  revocations: 'Revocations',
  clientTokensIssued: 'ClientTokensIssued',
  clientAuthFailed: 'ClientAuthFailed',
  /** A correct password asked for a second factor. */
  mfaChallenged: 'MfaChallenged',
  /** A second factor passed (sign-in or step-up), and one failed: each also counted by factor (`MFA_FACTOR_METRICS`). */
  mfaSucceeded: 'MfaSucceeded',
  mfaFailed: 'MfaFailed',
  mfaSucceededTotp: 'MfaSucceededTotp',
  mfaSucceededWebAuthn: 'MfaSucceededWebAuthn',
  mfaSucceededRecoveryCode: 'MfaSucceededRecoveryCode',
  mfaFailedTotp: 'MfaFailedTotp',
  mfaFailedWebAuthn: 'MfaFailedWebAuthn',
  mfaFailedRecoveryCode: 'MfaFailedRecoveryCode',
  latency: 'Latency',
  /** The authorizer failed for a reason that is not the token's (keys, DynamoDB). */
  authorizerFailure: 'AuthorizerFailure',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];
