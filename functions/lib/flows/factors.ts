import { toString as qrSvg } from 'qrcode';
import { epochSeconds } from '../domain/clock';
import { ConflictError, InvalidRequestError, NotFoundError } from '../domain/errors';
import { amrOf, hasSecondFactor, PENDING_TOTP_SECONDS, type Authentication, type FactorName } from '../domain/factors';
import { newRecoveryCodes, recoveryCodeRecords } from '../domain/recovery-codes';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import { matchTotpStep, newTotpSecret, totpUri } from '../domain/totp';
import type { User } from '../domain/users';
import type { Caller, CoreDeps } from './deps';
import { notify } from './notices';
import { factorChangedMail } from '../domain/email-messages';
import { requireRecentMfa } from './recent-mfa';
import { authenticationOfCaller, issueAccessToken } from './session-ops';

/** The caller's account, as stored: `NotFoundError` if it is gone or is another account now. */
export async function requireUser(caller: Pick<Caller, 'username' | 'sub'>, deps: Pick<CoreDeps, 'users'>): Promise<User> {
  const user = await deps.users.getUser(caller.username);
  if (!user || user.userId !== caller.sub) throw new NotFoundError('no such user');
  return user;
}

/** A TOTP secret to scan: the `otpauth://` URI, the same as an SVG QR code, and the secret to type. */
export interface TotpEnrolment {
  readonly secret: string;
  readonly otpauth_uri: string;
  readonly qr_svg: string;
  readonly expires_in: number;
}

/**
 * `POST /api/auth/mfa/totp`: a new TOTP secret for the caller, sealed on their item until a code
 * confirms it (and replacing one not yet confirmed). Adding a factor beside another one needs a
 * recent second factor.
 */
export async function startTotpEnrolment(caller: Caller, deps: CoreDeps): Promise<TotpEnrolment> {
  const user = await requireUser(caller, deps);
  const now = epochSeconds(deps.now);
  if (user.totp) throw new ConflictError('TOTP is already active: remove it first');
  requireRecentMfa(caller, user, now);
  const secret = newTotpSecret();
  await deps.factors.startTotp(user.username, {
    sealedSecret: deps.factorSealer.seal(user.userId, secret),
    expiresAt: now + PENDING_TOTP_SECONDS,
  });
  const uri = totpUri(secret, deps.mfa.totpIssuer, user.username);
  return { secret, otpauth_uri: uri, qr_svg: await qrSvg(uri, { type: 'svg', margin: 1 }), expires_in: PENDING_TOTP_SECONDS };
}

/** A confirmed factor: a fresh access token for the session that proved it, and (for the first factor) the recovery codes, shown once. */
export interface EnrolmentResult {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly recovery_codes?: string[];
}

/**
 * `POST /api/auth/mfa/totp/confirm` with the first code: activates the pending secret. The code
 * just proved the factor, so the session records a second factor now. The first factor an
 * account gets comes with ten recovery codes.
 */
export async function confirmTotpEnrolment(caller: Caller, code: string, meta: RequestMeta, deps: CoreDeps): Promise<EnrolmentResult> {
  const user = await requireUser(caller, deps);
  const now = epochSeconds(deps.now);
  const pending = user.totpPending;
  if (!pending || pending.expiresAt <= now)
    throw new InvalidRequestError('no TOTP enrolment is waiting: start one at POST /api/auth/mfa/totp');
  const step = matchTotpStep(code, deps.factorSealer.open(user.userId, pending.sealedSecret), deps.now());
  if (step === undefined) throw new InvalidRequestError('the code does not match: check the device clock and try the next code');
  const codes = hasSecondFactor(user) ? undefined : newRecoveryCodes();
  await deps.factors.confirmTotp(
    user.username,
    pending.sealedSecret,
    { sealedSecret: pending.sealedSecret, lastStep: step, confirmedAt: now },
    codes && recoveryCodeRecords(user.userId, codes, now),
  );
  await deps.audit.record('mfa_enrolled', { ...requestFields(meta), userId: user.userId, sid: caller.sid, factor: 'totp' });
  await notify(user, 'factor_changed', (to, ctx) => factorChangedMail(to, 'added', 'an authenticator app', ctx), deps);
  return { ...(await recordSecondFactor(caller, user, 'otp', now, deps)), ...(codes && { recovery_codes: codes }) };
}

/** The session now has a second factor, proved at `now`: records it and mints the token that says so. */
export async function recordSecondFactor(
  caller: Caller,
  user: User,
  method: Authentication['amr'][number],
  now: number,
  deps: CoreDeps,
  userVerified = false,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
  const auth: Authentication = { amr: amrOf([...authenticationOfCaller(caller).amr, method], userVerified), authTime: now };
  await deps.sessions.recordAuthentication(caller.sid, auth);
  const { accessToken, expiresIn } = await issueAccessToken(user, caller.sid, auth, deps);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn };
}

/** `DELETE /api/auth/mfa/totp`: needs a recent second factor. The last factor takes the recovery codes with it. */
export async function removeTotp(caller: Caller, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  const user = await requireUser(caller, deps);
  requireRecentMfa(caller, user, epochSeconds(deps.now));
  if (!(await deps.factors.removeTotp(user.username))) throw new NotFoundError('TOTP is not active');
  await afterFactorRemoved(user, 'totp', caller.sid, meta, deps);
}

/** Audits a removal; when no factor is left, the recovery codes go too (they recover nothing). */
export async function afterFactorRemoved(user: User, factor: FactorName, sid: string, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  const after = await deps.users.getUser(user.username);
  if (after && !hasSecondFactor(after) && Object.keys(after.recoveryCodes ?? {}).length > 0) {
    await deps.factors.replaceRecoveryCodes(user.username, {});
  }
  await deps.audit.record('mfa_removed', { ...requestFields(meta), userId: user.userId, sid, factor });
  await notify(
    user,
    'factor_changed',
    (to, ctx) => factorChangedMail(to, 'removed', factor === 'totp' ? 'an authenticator app' : 'a passkey', ctx),
    deps,
  );
}

/** `POST /api/auth/mfa/recovery-codes`: ten new codes replace every old one; needs a recent second factor. */
export async function regenerateRecoveryCodes(caller: Caller, meta: RequestMeta, deps: CoreDeps): Promise<{ recovery_codes: string[] }> {
  const user = await requireUser(caller, deps);
  const now = epochSeconds(deps.now);
  if (!hasSecondFactor(user)) throw new ConflictError('recovery codes stand in for a second factor: enrol one first');
  requireRecentMfa(caller, user, now);
  const codes = newRecoveryCodes();
  await deps.factors.replaceRecoveryCodes(user.username, recoveryCodeRecords(user.userId, codes, now));
  await deps.audit.record('recovery_codes_regenerated', { ...requestFields(meta), userId: user.userId, sid: caller.sid });
  return { recovery_codes: codes };
}
