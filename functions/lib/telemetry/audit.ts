import type { ActivitySeries } from '../domain/activity';
import { auditEventId } from '../domain/audit';
import type { AuditRepo } from '../domain/ports';
import type { Clock } from '../domain/clock';
import { logAuthEvent, type AuthEvent, type AuthEventFields, type AuthLogger } from './events';
import { EVENT_METRICS, MFA_FACTOR_METRICS, type AuthMetrics } from './metrics';

/** Events kept in the audit table as well as logged (the others are logged only). */
const AUDITED: ReadonlySet<AuthEvent> = new Set<AuthEvent>([
  'login_succeeded',
  'login_failed',
  'login_throttled',
  'refresh_succeeded',
  'refresh_reuse_detected',
  'logout',
  'session_revoked',
  'sessions_revoked',
  'password_changed',
  'password_reset',
  'user_created',
  'user_disabled',
  'user_enabled',
  'user_roles_changed',
  // Machine clients, under `client:<id>`; an issued token is counted, not kept: a service asks for many.
  'client_auth_failed',
  'client_auth_throttled',
  'client_created',
  'client_changed',
  'client_deleted',
  // Kept under the user: which client got a token to act for them.
  'token_exchanged',
  // Second factors: enrolment, removal, failures and recovery-code use (the sign-ins are login_succeeded).
  'mfa_enrolled',
  'mfa_removed',
  'mfa_reset',
  'mfa_failed',
  'step_up',
  'recovery_code_used',
  'recovery_codes_regenerated',
  // Recovery by email: a link asked for (kept for an account only), an address proved.
  'password_reset_requested',
  'email_verified',
  'email_change_requested',
]);

/** Events the admin dashboard counts by hour, and the series each one counts in. */
const ACTIVITY: Partial<Record<AuthEvent, ActivitySeries>> = {
  login_succeeded: 'sign_ins',
  login_failed: 'failures',
  mfa_failed: 'failures',
  client_auth_failed: 'failures',
  login_throttled: 'throttled',
  client_auth_throttled: 'throttled',
  refresh_reuse_detected: 'reuse_detected',
};

/** Fields of an audited event: ids, where from, and how it ended. Never a secret. */
export interface AuditFields extends AuthEventFields {
  readonly outcome?: 'success' | 'failure';
  readonly sourceIp?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** Records security events: one log line each, and an audit-table item for those about a user. */
export interface AuditTrail {
  record(event: AuthEvent, fields: AuditFields): Promise<void>;
}

/** The audit trail over a logger and, when given, the audit table. */
export function createAuditTrail(options: {
  logger: AuthLogger;
  store?: Pick<AuditRepo, 'append' | 'countActivity'>;
  now: Clock;
  retentionDays: number;
  metrics?: AuthMetrics;
}): AuditTrail {
  return {
    async record(event, fields) {
      logAuthEvent(options.logger, event, fields);
      const metric = EVENT_METRICS[event];
      if (metric) options.metrics?.count(metric);
      if (fields.factor && (event === 'mfa_verified' || event === 'step_up' || event === 'mfa_failed')) {
        options.metrics?.count(MFA_FACTOR_METRICS[event === 'mfa_failed' ? 'failure' : 'success'][fields.factor]);
      }
      const store = options.store;
      if (!store) return;
      const atMs = options.now();
      // Counted whether or not there is a user (a failure for an unknown name counts too). Fails
      // open: a lost count must not cost anyone a sign-in, and the log line above still holds it.
      const series = ACTIVITY[event];
      const counted =
        series &&
        store.countActivity(series, atMs).catch((err: unknown) => {
          options.logger.warn('activity_count_failed', { event, error: (err as Error).name });
        });
      if (fields.userId === undefined || !AUDITED.has(event)) return counted;
      const at = Math.floor(atMs / 1000);
      // Fails closed: an answer that the audit table cannot back is a 503, and the client's retry
      // records it (a refresh finds its successor in the grace window, and is audited then). The
      // soak found sign-ins and refreshes answered 200 with no record when this write failed open.
      const appended = store.append({
        userId: fields.userId,
        eventId: auditEventId(atMs),
        event,
        at,
        outcome: fields.outcome ?? 'success',
        sid: fields.sid,
        sourceIp: fields.sourceIp,
        userAgent: fields.userAgent?.slice(0, 256),
        requestId: fields.requestId,
        reason: fields.factor && fields.reason ? `${fields.factor}: ${fields.reason}` : (fields.factor ?? fields.reason),
        ttl: at + options.retentionDays * 86_400,
      });
      await Promise.all([appended, counted]);
    },
  };
}
