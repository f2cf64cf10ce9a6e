import { epochSeconds } from '../domain/clock';
import { InvalidGrantError, TokenError } from '../domain/errors';
import { amrOf, type Authentication } from '../domain/factors';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import type { TokenPair } from '../domain/sessions';
import { readThrottle } from '../domain/throttle';
import type { User } from '../domain/users';
import type { Caller, CoreDeps } from './deps';
import { finishSignIn } from './login';
import { MFA_TOKEN_MAX_FAILURES, MFA_TOKEN_TTL_SECONDS, passwordFingerprint } from './mfa-challenge';
import { countWrongFactor, type FactorAnswer, type FactorProof, proveFactor, refuseIfThrottled } from './second-factor';
import { authenticationOfCaller, issueAccessToken } from './session-ops';

/** The same answer for every refused `mfa_token`: unknown, expired, spent, or its user changed. */
const badMfaToken = () => new InvalidGrantError('ERR_INVALID_CREDENTIALS', 'the mfa_token is invalid, expired or used: sign in again');
const wrongAnswer = () => new InvalidGrantError('ERR_INVALID_CREDENTIALS', 'the second factor was not accepted');

/** Attempt-table keys of one `mfa_token`: its wrong answers, and its one use. */
const mfaKeys = (jti: string) => ({ failures: `mfa#${jti}`, used: `mfaused#${jti}` });

/**
 * `POST /api/auth/mfa/verify`: the second step of a sign-in. The `mfa_token` from the password
 * step, and one answer (a TOTP code, a recovery code or a WebAuthn assertion), open the session.
 * Wrong answers count on the login counters (ASVS 6.3.1) and on the token: five end it. The token
 * is spent by one conditional write when it succeeds, so it opens one session at most.
 */
export async function verifyMfa(input: { mfaToken: string; answer: FactorAnswer }, meta: RequestMeta, deps: CoreDeps): Promise<TokenPair> {
  let claims: Awaited<ReturnType<CoreDeps['mfaTokens']['verify']>>;
  try {
    claims = await deps.mfaTokens.verify(input.mfaToken);
  } catch (err) {
    if (err instanceof TokenError) throw badMfaToken();
    throw err;
  }
  const now = epochSeconds(deps.now);
  const keys = mfaKeys(claims.jti);
  const ip = meta.sourceIp ?? 'unknown';
  const [reading, tokenRecords, user] = await Promise.all([
    readThrottle(deps.attempts, claims.username, ip, now, deps.throttle),
    deps.attempts.read([keys.failures, keys.used], now),
    deps.users.getUser(claims.username),
  ]);
  await refuseIfThrottled(reading, claims.sub, meta, deps);
  const failures = tokenRecords.get(keys.failures);
  const spent =
    tokenRecords.has(keys.used) || (failures !== undefined && 'failures' in failures && failures.failures >= MFA_TOKEN_MAX_FAILURES);
  if (spent || !stillStands(user, claims)) throw badMfaToken();

  const proof = await proveFactor(user, input.answer, deps);
  if (!proof) {
    await Promise.all([
      countWrongFactor(reading, now, input.answer.factor, { userId: user.userId }, meta, deps),
      deps.attempts.recordFailure(keys.failures, now, MFA_TOKEN_TTL_SECONDS),
    ]);
    throw wrongAnswer();
  }
  // One session per token, whatever races: the first success claims it.
  if (!(await deps.attempts.claimOnce(keys.used, now, MFA_TOKEN_TTL_SECONDS))) throw badMfaToken();
  await recordProof(user, proof, 'mfa_verified', undefined, meta, deps);
  return finishSignIn(user, { amr: amrOf([...claims.amr, proof.method], proof.userVerified), authTime: now }, reading, now, meta, deps);
}

/** The user of an `mfa_token` still stands: the same account, active, with the password it followed, and no revocation since. */
function stillStands(user: User | undefined, claims: { sub: string; iat: number; pwh: string }): user is User {
  return (
    user !== undefined &&
    user.userId === claims.sub &&
    user.status === 'active' &&
    !user.mustChangePassword &&
    passwordFingerprint(user.passwordHash) === claims.pwh &&
    (user.tokensValidAfter ?? 0) <= claims.iat
  );
}

/** The new access token of a step-up (RFC 6749 §5.1, without a refresh token: the session's stays). */
export interface StepUpResult {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
}

/**
 * `POST /api/auth/mfa/step-up`: a signed-in user proves a second factor again (RFC 9470). The
 * session records it, so this access token and every one its refreshes mint carry `mfa` and the
 * new `auth_time`. Wrong answers count on the login counters.
 */
export async function stepUp(caller: Caller, answer: FactorAnswer, meta: RequestMeta, deps: CoreDeps): Promise<StepUpResult> {
  const now = epochSeconds(deps.now);
  const [reading, user] = await Promise.all([
    readThrottle(deps.attempts, caller.username, meta.sourceIp ?? 'unknown', now, deps.throttle),
    deps.users.getUser(caller.username),
  ]);
  if (!user || user.userId !== caller.sub || user.status !== 'active') throw wrongAnswer();
  await refuseIfThrottled(reading, user.userId, meta, deps);
  const proof = await proveFactor(user, answer, deps);
  if (!proof) {
    await countWrongFactor(reading, now, answer.factor, { userId: user.userId, sid: caller.sid }, meta, deps);
    throw wrongAnswer();
  }
  const prior = authenticationOfCaller(caller).amr;
  const auth: Authentication = { amr: amrOf([...prior, proof.method], proof.userVerified), authTime: now };
  if (!(await deps.sessions.recordAuthentication(caller.sid, auth))) throw new TokenError('ERR_JWT_REVOKED', 'the session has ended');
  await recordProof(user, proof, 'step_up', caller.sid, meta, deps);
  const { accessToken, expiresIn } = await issueAccessToken(user, caller.sid, auth, deps);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn };
}

/** The audit records of an accepted factor: the event, and a recovery code's use on its own. */
async function recordProof(
  user: User,
  proof: FactorProof,
  event: 'mfa_verified' | 'step_up',
  sid: string | undefined,
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<void> {
  await Promise.all([
    deps.audit.record(event, { ...requestFields(meta), userId: user.userId, sid, factor: proof.factor }),
    proof.factor === 'recovery_code'
      ? deps.audit.record('recovery_code_used', {
          ...requestFields(meta),
          userId: user.userId,
          sid,
          reason: `${Object.keys(user.recoveryCodes ?? {}).length - 1} left`,
        })
      : undefined,
  ]);
}
