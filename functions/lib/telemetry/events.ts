import type { FactorName } from '../domain/factors';
import type { Logger } from '@aws-lambda-powertools/logger';

/** The part of Powertools Logger we use, so tests can pass a recorder (and the authorizer a lighter logger). */
export type AuthLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** Stable names of auth events: dashboards and alarms key on these. */
export type AuthEvent =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'session_revoked'
  | 'password_changed'
  | 'password_reset'
  | 'token_revoked'
  | 'refresh_succeeded'
  | 'refresh_failed'
  | 'refresh_grace_retry'
  | 'refresh_reuse_detected'
  | 'logout'
  | 'user_created'
  | 'user_disabled'
  | 'user_enabled'
  | 'user_roles_changed'
  | 'sessions_revoked'
  | 'token_rejected'
  | 'access_denied'
  | 'client_token_issued'
  | 'client_auth_failed'
  | 'client_auth_throttled'
  | 'client_created'
  | 'client_changed'
  | 'client_deleted'
  | 'token_exchanged'
  | 'mfa_challenged'
  | 'mfa_verified'
  | 'mfa_failed'
  | 'mfa_enrolled'
  | 'mfa_removed'
  | 'mfa_reset'
  | 'recovery_code_used'
  | 'recovery_codes_regenerated'
  | 'step_up'
  | 'password_reset_requested'
  | 'email_verified'
  | 'email_change_requested';

/** Fields of an auth event. Ids only: never a token, password, hash or username typed at login. */
export interface AuthEventFields {
  readonly requestId?: string | undefined;
  readonly userId?: string | undefined;
  readonly sid?: string | undefined;
  readonly reason?: string | undefined;
  /** The second factor an MFA event is about: `totp`, `webauthn` or `recovery_code`. */
  readonly factor?: FactorName | undefined;
}

/** Writes one JSON line for one auth event. */
export function logAuthEvent(logger: AuthLogger, event: AuthEvent, fields: AuthEventFields): void {
  logger.info(event, { event, ...fields });
}
