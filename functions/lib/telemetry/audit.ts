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
  store?: Pick<AuditRepo, 'append'>;
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
      if (!options.store || fields.userId === undefined || !AUDITED.has(event)) return;
      const atMs = options.now();
      const at = Math.floor(atMs / 1000);
      // Fails closed: an answer that the audit table cannot back is a 503, and the client's retry
      // records it (a refresh finds its successor in the grace window, and is audited then). The
      // soak found sign-ins and refreshes answered 200 with no record when this write failed open.
      await options.store.append({
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
    },
  };
}
