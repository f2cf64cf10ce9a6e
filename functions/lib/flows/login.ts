import { epochSeconds } from '../domain/clock';
import {
  EmailUnverifiedError,
  InvalidGrantError,
  InvalidRequestError,
  PasswordChangeRequiredError,
  TooManyAttemptsError,
} from '../domain/errors';
import { normalizeEmail } from '../domain/email';
import { checkPasswordSize } from '../domain/passwords';
import { readThrottle, recordFailedCheck, type ThrottleReading } from '../domain/throttle';
import { legacyUsernameKey } from '../domain/usernames';
import { openSession } from './session-ops';
import type { CoreDeps } from './deps';
import { normalizeUsername } from '../domain/usernames';
import type { User } from '../domain/users';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import type { TokenPair } from '../domain/sessions';
import { hasSecondFactor, type Authentication } from '../domain/factors';
import { challengeSecondFactor } from './mfa-challenge';
import { notify } from './notices';
import { failOpen } from './counters';
import { newSignInMail } from '../domain/email-messages';

/** Credentials as the client sent them. */
export interface LoginInput {
  readonly username: string;
  readonly password: string;
}

/**
 * Checks a username and password and opens a session. Unknown user, wrong password and
 * disabled user fail alike, after the same bcrypt work (ASVS 6.3.8; OWASP Authentication
 * Cheat Sheet, "Authentication and Error Messages"). Throttled attempts fail before any of it,
 * the same way for every username (ASVS 6.3.1).
 */
export async function login(input: LoginInput, meta: RequestMeta, deps: CoreDeps): Promise<TokenPair> {
  const { user, reading, now } = await checkCredentials(input, meta, deps);
  // A temporary password from an admin reset opens no session until its owner replaces it.
  if (user.mustChangePassword) {
    await deps.audit.record('login_failed', {
      ...requestFields(meta),
      userId: user.userId,
      outcome: 'failure',
      reason: 'temporary_password',
    });
    throw new PasswordChangeRequiredError();
  }
  return completeLogin(user, input.password, reading, now, meta, deps);
}

/**
 * The check every username-and-password step shares (login, replacing a temporary password):
 * the counters, the lookup, one bcrypt compare whether or not the user exists, and a failure
 * counted and audited. Answers the active user whose password it is.
 */
export async function checkCredentials(
  input: LoginInput,
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<{ user: User; reading: ThrottleReading; now: number }> {
  checkPasswordSize(input.password);
  const username = tryNormalizeUsername(input.username);
  // Counters key on the name as typed (normalised when possible), existing or not.
  const counterName = username ?? input.username.trim().toLowerCase().slice(0, 128);
  const ip = meta.sourceIp ?? 'unknown';
  const now = epochSeconds(deps.now);

  const [reading, user] = await Promise.all([
    readThrottle(deps.attempts, counterName, ip, now, deps.throttle),
    username === undefined ? undefined : findUser(username, input.username, deps),
  ]);
  if (reading.retryAfterSeconds > 0) {
    await deps.audit.record('login_throttled', { ...requestFields(meta), userId: user?.userId, outcome: 'failure', reason: 'backoff' });
    throw new TooManyAttemptsError(reading.retryAfterSeconds);
  }

  const passwordOk = await deps.passwords.verify(input.password, user);
  if (!user || !passwordOk || user.status !== 'active') {
    const reason = !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'user_disabled';
    await Promise.all([
      recordFailedCheck(deps.attempts, reading, now, deps.throttle),
      deps.audit.record('login_failed', { ...requestFields(meta), userId: user?.userId, outcome: 'failure', reason }),
    ]);
    throw new InvalidGrantError('ERR_INVALID_CREDENTIALS', 'invalid username or password');
  }
  // Only once the password is right, so the answer tells nothing to whoever does not know it.
  if (deps.loginRequiresVerifiedEmail && user.email !== undefined && user.emailVerified !== true) {
    await deps.audit.record('login_failed', {
      ...requestFields(meta),
      userId: user.userId,
      outcome: 'failure',
      reason: 'email_unverified',
    });
    throw new EmailUnverifiedError();
  }
  return { user, reading, now };
}

/**
 * After a good password: for an account with a second factor, the challenge for it (no session
 * yet; the counters stay as they are until the second factor passes). Otherwise the sign-in.
 */
export async function completeLogin(
  user: User,
  password: string,
  reading: ThrottleReading,
  now: number,
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<TokenPair> {
  if (hasSecondFactor(user)) {
    await rehashIfOutdated(user, password, deps);
    throw await challengeSecondFactor(user, now, meta, deps);
  }
  const [tokens] = await Promise.all([
    finishSignIn(user, { amr: ['pwd'], authTime: now }, reading, now, meta, deps),
    rehashIfOutdated(user, password, deps),
  ]);
  return tokens;
}

/** The end of every successful sign-in: the session, the counters reset and the source trusted, the audit record. */
export async function finishSignIn(
  user: User,
  auth: Authentication,
  reading: ThrottleReading,
  now: number,
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<TokenPair> {
  const { keys } = reading;
  const [pair] = await Promise.all([
    openSession(user, auth, meta, deps),
    failOpen(deps.attempts.clear(keys.source), meta, deps),
    failOpen(deps.attempts.markTrusted(keys.trust, now, deps.throttle.trustedSourceSeconds), meta, deps),
  ]);
  await deps.audit.record('login_succeeded', { ...requestFields(meta), userId: user.userId, sid: pair.sid });
  // A source this account has not signed in from lately (the trusted-source list).
  if (!reading.records.has(keys.trust)) await notify(user, 'new_sign_in', (to, ctx) => newSignInMail(to, meta, ctx), deps);
  return pair.tokens;
}

/** After a good login, upgrades a hash made with an older bcrypt cost or pepper (OWASP Password Storage CS). */
async function rehashIfOutdated(user: User, password: string, deps: CoreDeps): Promise<void> {
  if (!deps.passwords.needsRehash(user)) return;
  const fresh = await deps.passwords.hash(password);
  await deps.users.replacePassword(user.username, user.passwordHash, fresh, epochSeconds(deps.now), { keepTokens: true });
}

/**
 * The account a login names. Accounts made before the PRECIS profile are keyed by the older
 * normalisation; where that differs from today's (fullwidth forms, say), it is tried second.
 */
async function findUser(username: string, typed: string, deps: CoreDeps): Promise<User | undefined> {
  // A name with an @ may be an email address: its account signs in with it (usernames may hold @ too).
  const byEmail = typed.includes('@') ? await deps.users.findUsernameByEmail(tryNormalizeEmail(typed) ?? '') : undefined;
  const user = await deps.users.getUser(byEmail ?? username);
  const legacy = legacyUsernameKey(typed);
  return user ?? (legacy !== username ? deps.users.getUser(legacy) : undefined);
}

function tryNormalizeEmail(raw: string): string | undefined {
  try {
    return normalizeEmail(raw);
  } catch (err) {
    if (err instanceof InvalidRequestError) return undefined;
    throw err;
  }
}

// A username that could never exist is just an unknown user: same answer, same work.
function tryNormalizeUsername(raw: string): string | undefined {
  try {
    return normalizeUsername(raw);
  } catch (err) {
    if (err instanceof InvalidRequestError) return undefined;
    throw err;
  }
}
