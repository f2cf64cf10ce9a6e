import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  AuthError,
  InsufficientAuthenticationError,
  InvalidClientError,
  MfaRequiredError,
  TokenError,
  TooManyAttemptsError,
  type ErrorCode,
} from '../domain/errors';
import type { AuthLogger } from '../telemetry/events';

type Headers = Record<string, string>;

const BASE_HEADERS: Headers = {
  'Content-Type': 'application/json',
  // RFC 6749 §5.1: token responses must not be cached; nothing we answer with no-store needs caching.
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Headers = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: body === undefined ? '' : JSON.stringify(body) };
}

/** An empty response (204). */
export const noContent = (): APIGatewayProxyResult => ({ statusCode: 204, headers: { ...BASE_HEADERS }, body: '' });

const STATUS: Record<Exclude<ErrorCode, TokenError['code']>, [number, string]> = {
  ERR_INVALID_REQUEST: [400, 'invalid_request'],
  ERR_UNSUPPORTED_MEDIA_TYPE: [415, 'invalid_request'],
  ERR_INVALID_CREDENTIALS: [401, 'invalid_grant'],
  ERR_INVALID_REFRESH_TOKEN: [401, 'invalid_grant'],
  ERR_REFRESH_TOKEN_REUSED: [401, 'invalid_grant'],
  ERR_USER_EXISTS: [409, 'user_exists'],
  ERR_NOT_FOUND: [404, 'not_found'],
  ERR_UNAVAILABLE: [503, 'temporarily_unavailable'],
  ERR_TOO_MANY_ATTEMPTS: [429, 'too_many_attempts'],
  ERR_FORBIDDEN: [403, 'access_denied'],
  ERR_CONFLICT: [409, 'conflict'],
  ERR_LAST_ADMIN: [409, 'last_admin'],
  ERR_PASSWORD_CHANGE_REQUIRED: [403, 'password_change_required'],
  // RFC 6749 §5.2, and RFC 8707 §2 for invalid_target.
  ERR_INVALID_CLIENT: [401, 'invalid_client'],
  ERR_INVALID_SCOPE: [400, 'invalid_scope'],
  ERR_INVALID_TARGET: [400, 'invalid_target'],
  ERR_UNSUPPORTED_GRANT_TYPE: [400, 'unsupported_grant_type'],
  ERR_UNAUTHORIZED_CLIENT: [400, 'unauthorized_client'],
  ERR_MFA_REQUIRED: [403, 'mfa_required'],
  // RFC 9470 §3.
  ERR_INSUFFICIENT_AUTHENTICATION: [401, 'insufficient_user_authentication'],
  ERR_MFA_ENROLMENT_REQUIRED: [403, 'mfa_enrollment_required'],
  ERR_EMAIL_UNVERIFIED: [403, 'email_unverified'],
};

/** The one place where errors become responses. Unknown errors are logged and become a bare 500. */
export function toHttpResponse(err: unknown, logger: AuthLogger, requestId?: string): APIGatewayProxyResult {
  if (err instanceof TokenError) {
    // RFC 6750 §3.1: a request with no token gets a bare challenge, with no error code.
    if (err.code === 'ERR_JWT_MISSING') {
      return json(401, { active: false, error: 'unauthorized', error_description: err.message }, { 'WWW-Authenticate': 'Bearer' });
    }
    return json(
      401,
      { active: false, error: 'invalid_token', error_description: err.message },
      { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${err.message}"` },
    );
  }
  if (err instanceof AuthError) {
    const [status, error] = STATUS[err.code as keyof typeof STATUS] ?? [500, 'server_error'];
    const retryAfter =
      err instanceof TooManyAttemptsError ? String(Math.max(1, Math.ceil(err.retryAfterSeconds))) : status === 503 ? '1' : undefined;
    // RFC 6749 §5.2: a client that authenticated with HTTP Basic gets the matching challenge.
    const headers: Headers = {};
    if (retryAfter) headers['Retry-After'] = retryAfter;
    if (err instanceof InvalidClientError && err.basic) headers['WWW-Authenticate'] = 'Basic realm="token", charset="UTF-8"';
    if (err instanceof InsufficientAuthenticationError) headers['WWW-Authenticate'] = err.challenge;
    const extra =
      err instanceof MfaRequiredError
        ? { ...(err.mfaToken !== '' && { mfa_token: err.mfaToken, expires_in: err.expiresIn }), factors: err.factors }
        : undefined;
    return json(status, { error, error_description: err.message, ...extra }, headers);
  }
  logger.error('unhandled_error', { event: 'unhandled_error', requestId, error: err as Error });
  return json(500, { error: 'server_error', error_description: 'internal error' });
}
