/** Stable error codes. Callers branch on these, never on messages. */
export type ErrorCode =
  | 'ERR_INVALID_REQUEST'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_INVALID_CREDENTIALS'
  | 'ERR_INVALID_REFRESH_TOKEN'
  | 'ERR_REFRESH_TOKEN_REUSED'
  | 'ERR_USER_EXISTS'
  | 'ERR_NOT_FOUND'
  | 'ERR_UNAVAILABLE'
  | 'ERR_TOO_MANY_ATTEMPTS'
  | 'ERR_FORBIDDEN'
  | 'ERR_CONFLICT'
  | 'ERR_LAST_ADMIN'
  | 'ERR_PASSWORD_CHANGE_REQUIRED'
  | 'ERR_INVALID_CLIENT'
  | 'ERR_INVALID_SCOPE'
  | 'ERR_INVALID_TARGET'
  | 'ERR_UNSUPPORTED_GRANT_TYPE'
  | 'ERR_UNAUTHORIZED_CLIENT'
  | 'ERR_MFA_REQUIRED'
  | 'ERR_INSUFFICIENT_AUTHENTICATION'
  | 'ERR_MFA_ENROLMENT_REQUIRED'
  | 'ERR_EMAIL_UNVERIFIED'
  | TokenErrorCode;

/** Why an access token was rejected: one code per check (RFC 8725 §3). */
export type TokenErrorCode =
  | 'ERR_JWT_MISSING'
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWT_ALG_NOT_ALLOWED'
  | 'ERR_JWT_KID_UNKNOWN'
  | 'ERR_JWT_SIGNATURE_INVALID'
  | 'ERR_JWT_TYP_INVALID'
  | 'ERR_JWT_ISSUER_INVALID'
  | 'ERR_JWT_AUDIENCE_INVALID'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_NOT_YET_VALID'
  | 'ERR_JWT_CLAIM_MISSING'
  | 'ERR_JWT_REVOKED'
  | 'ERR_JWT_CLAIM_INVALID';

/** Base of every error this service raises on purpose. */
export class AuthError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request is malformed: bad JSON, a missing or mistyped field, an oversized body. */
export class InvalidRequestError extends AuthError {
  constructor(message: string, code: 'ERR_INVALID_REQUEST' | 'ERR_UNSUPPORTED_MEDIA_TYPE' = 'ERR_INVALID_REQUEST') {
    super(code, message);
  }
}

/** Credentials or a refresh token were refused. The message never says which check failed. */
export class InvalidGrantError extends AuthError {
  constructor(code: 'ERR_INVALID_CREDENTIALS' | 'ERR_INVALID_REFRESH_TOKEN' | 'ERR_REFRESH_TOKEN_REUSED', message: string) {
    super(code, message);
  }
}

/** An access token failed verification; `code` names the check. */
export class TokenError extends AuthError {
  declare readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string) {
    super(code, message);
  }
}

/** A username is already taken. */
export class UserExistsError extends AuthError {
  constructor() {
    super('ERR_USER_EXISTS', 'a user with this username already exists');
  }
}

/** The route does not exist, or is switched off by configuration. */
export class NotFoundError extends AuthError {
  constructor(message = 'not found') {
    super('ERR_NOT_FOUND', message);
  }
}

/** DynamoDB is unreachable or throttling; the client may retry. */
export class ServiceUnavailableError extends AuthError {
  constructor(options?: { cause?: unknown }) {
    super('ERR_UNAVAILABLE', 'the service is temporarily unavailable, retry later');
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Too many failed logins: wait `retryAfterSeconds` (ASVS 6.3.1). Same for known and unknown users. */
export class TooManyAttemptsError extends AuthError {
  constructor(readonly retryAfterSeconds: number) {
    super('ERR_TOO_MANY_ATTEMPTS', 'too many failed attempts, retry later');
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends AuthError {
  constructor(message: string) {
    super('ERR_FORBIDDEN', message);
  }
}

/** The state changed under the request (a concurrent update won). */
export class ConflictError extends AuthError {
  constructor(message: string) {
    super('ERR_CONFLICT', message);
  }
}

/** The change would leave no active admin: no one could administer the service any more. */
export class LastAdminError extends AuthError {
  constructor() {
    super('ERR_LAST_ADMIN', 'this is the last active admin: make another user admin first');
  }
}

/** The password is a temporary one (an admin reset): replace it with `POST /api/auth/password/temporary`. */
export class PasswordChangeRequiredError extends AuthError {
  constructor() {
    super('ERR_PASSWORD_CHANGE_REQUIRED', 'this is a temporary password: replace it at /api/auth/password/temporary');
  }
}

/**
 * OAuth client authentication failed: unknown client, wrong or expired secret, disabled client,
 * all alike (RFC 6749 §5.2). `basic`: the client used HTTP Basic, so the answer challenges it.
 */
export class InvalidClientError extends AuthError {
  constructor(readonly basic: boolean) {
    super('ERR_INVALID_CLIENT', 'client authentication failed');
  }
}

/** The requested scope is unknown, malformed, or more than the client may have (RFC 6749 §5.2). */
export class InvalidScopeError extends AuthError {
  constructor(message: string) {
    super('ERR_INVALID_SCOPE', message);
  }
}

/** The requested resource is not an audience the client may get tokens for (RFC 8707 §2). */
export class InvalidTargetError extends AuthError {
  constructor(message: string) {
    super('ERR_INVALID_TARGET', message);
  }
}

/** The grant type is not one the token endpoint supports (RFC 6749 §5.2). */
export class UnsupportedGrantTypeError extends AuthError {
  constructor(grantType: string) {
    super('ERR_UNSUPPORTED_GRANT_TYPE', `grant_type ${JSON.stringify(grantType.slice(0, 64))} is not supported`);
  }
}

/**
 * The password was right, and the account has a second factor: answer it at
 * `POST /api/auth/mfa/verify` with this `mfaToken` and one of `factors`.
 */
export class MfaRequiredError extends AuthError {
  constructor(
    readonly mfaToken: string,
    readonly factors: readonly string[],
    readonly expiresIn: number,
  ) {
    super('ERR_MFA_REQUIRED', 'a second factor is required to complete the sign-in');
  }
}

/**
 * The caller authenticated, but not strongly or recently enough for this (RFC 9470 §3):
 * `challenge` is the `WWW-Authenticate` value that says what is needed.
 */
export class InsufficientAuthenticationError extends AuthError {
  constructor(readonly challenge: string) {
    super('ERR_INSUFFICIENT_AUTHENTICATION', 'a more recent or stronger authentication is required: step up at /api/auth/mfa/step-up');
  }
}

/** The caller's role requires a second factor, and they have none yet: enrol one first. */
export class MfaEnrolmentRequiredError extends AuthError {
  constructor() {
    super('ERR_MFA_ENROLMENT_REQUIRED', 'your role requires a second factor: enrol one at /api/auth/mfa/totp or /api/auth/passkeys first');
  }
}

/** The password was right, but this deployment signs in only accounts whose address is verified. */
export class EmailUnverifiedError extends AuthError {
  constructor() {
    super('ERR_EMAIL_UNVERIFIED', 'confirm your email address first: follow the link in the mail we sent');
  }
}

/** The client may not do this with this token: it was not issued to it (RFC 7009 §2.1). */
export class UnauthorizedClientError extends AuthError {
  constructor(message: string) {
    super('ERR_UNAUTHORIZED_CLIENT', message);
  }
}
