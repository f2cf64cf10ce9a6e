import { createHash, randomBytes } from 'node:crypto';
import { epochSeconds } from '../domain/clock';
import { normalizeEmail } from '../domain/email';
import { addressChangedMail, passwordChangedMail, passwordResetMail, verifyAddressMail } from '../domain/email-messages';
import {
  InvalidGrantError,
  InvalidRequestError,
  MfaRequiredError,
  NotFoundError,
  ConflictError,
  TooManyAttemptsError,
} from '../domain/errors';
import { factorsOf, hasSecondFactor } from '../domain/factors';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import { normalizeUsername } from '../domain/usernames';
import type { User } from '../domain/users';
import type { Caller, CoreDeps } from './deps';
import { requireRecentMfa } from './recent-mfa';
import { checkNewPassword } from './password-rules';
import { type FactorAnswer, proveFactor } from './second-factor';
import { revokeAllSessions } from './session-ops';
import { notify } from './notices';

/** How long a reset link works (OWASP Forgot Password Cheat Sheet: short-lived). */
export const RESET_LINK_MINUTES = 30;
/** How long a verification link works. */
export const VERIFY_LINK_HOURS = 24;

/** The window of the mail limits (`mailPerAddressPerHour`, `mailPerSourcePerHour`): nobody mail-bombs a user through us. */
const MAIL_WINDOW_SECONDS = 3600;

/** A link token: 256 random bits; only its SHA-256 is stored. */
const newLinkToken = () => randomBytes(32).toString('base64url');
const hashLinkToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A users-table key no account can have (`#` never occurs in a username). */
const NO_ACCOUNT = '#no-account';
/** Where the audit trail keeps recovery requests that found no account with a verified address. */
const UNKNOWN_ACCOUNT_AUDIT_KEY = 'recovery:no-account';

const invalidLink = () => new InvalidGrantError('ERR_INVALID_CREDENTIALS', 'this link is invalid, expired or used: ask for a new one');

/** The mail deps, or 404: without an outbox, the routes that mail are not served. */
function mailOf(deps: CoreDeps): NonNullable<CoreDeps['mail']> {
  if (!deps.mail) throw new NotFoundError('recovery by email is not enabled');
  return deps.mail;
}

/**
 * `POST /api/auth/password/forgot` with `{email}` or `{username}`: a reset link to the account's
 * verified address. The answer is the same, and the work is the same, whether or not there is
 * such an account (ASVS 6.4.x; OWASP Forgot Password Cheat Sheet): the counters, a link record,
 * a write to an account, and a message handed to the outbox (none when there is no account).
 */
export async function forgotPassword(
  input: { email?: string | undefined; username?: string | undefined },
  meta: RequestMeta,
  deps: CoreDeps,
) {
  const mail = mailOf(deps);
  if ((input.email === undefined) === (input.username === undefined)) throw new InvalidRequestError('give one of email and username');
  const now = epochSeconds(deps.now);
  const byEmail = input.email !== undefined;
  const typed = (input.email ?? input.username ?? '').trim().slice(0, 256);
  const name = byEmail ? tryOrUndefined(() => normalizeEmail(typed)) : tryOrUndefined(() => normalizeUsername(typed));
  const username = name === undefined ? undefined : byEmail ? await deps.users.findUsernameByEmail(name) : name;
  // With no account, the same read still happens (of a key no account can have).
  const user = await deps.users.getUser(username ?? NO_ACCOUNT);
  const eligible = user?.status === 'active' && user.email !== undefined && user.emailVerified === true ? user : undefined;

  // Counted per name as typed (an account's or not), per account, per source: 429 past a limit.
  const keys = [
    `mail#to#${(name ?? typed).toLowerCase()}`,
    `mail#acct#${eligible?.userId ?? typed}`,
    `mail#ip#${meta.sourceIp ?? 'unknown'}`,
  ];
  await spendMailQuota(keys, [mail.perAddressPerHour, mail.perAddressPerHour, mail.perSourcePerHour], now, deps);

  const token = newLinkToken();
  const hash = hashLinkToken(token);
  await Promise.all([
    deps.attempts.putToken(`reset#${hash}`, eligible?.username ?? '', now + RESET_LINK_MINUTES * 60),
    // The newest link is the only live one; with no account, the same write fails its condition.
    deps.users.setLinkHash(eligible?.username ?? NO_ACCOUNT, 'reset', hash).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    }),
  ]);
  await mail.sender.send(eligible && passwordResetMail(eligible.email as string, token, RESET_LINK_MINUTES, mail.context));
  // Audited under the account, or (the same write) under one shared key for requests that found none.
  await deps.audit.record('password_reset_requested', {
    ...requestFields(meta),
    userId: eligible?.userId ?? UNKNOWN_ACCOUNT_AUDIT_KEY,
    reason: eligible ? 'link_sent' : 'no_verified_address',
  });
}

/**
 * `POST /api/auth/password/reset` with the link's token and a new password: the usual password
 * rules; every session and access token ends (`tokensValidAfter`); the address counts as
 * verified; a notice follows. An account with a second factor answers it too. The link is spent
 * by the conditional write that changes the password, so of concurrent resets one succeeds.
 */
export async function resetPassword(
  input: { token: string; newPassword: string; answer?: FactorAnswer | undefined },
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<void> {
  mailOf(deps);
  const now = epochSeconds(deps.now);
  const hash = hashLinkToken(input.token);
  const owner = await deps.attempts.getTokenOwner(`reset#${hash}`, now);
  const user = owner ? await deps.users.getUser(owner) : undefined;
  if (user?.status !== 'active' || user.resetHash !== hash) throw invalidLink();
  checkNewPassword(input.newPassword, user.username);
  // A mailbox alone does not take over an account that has a second factor (ASVS 6.4.3).
  if (hasSecondFactor(user)) {
    if (!input.answer) throw new MfaRequiredError('', factorsOf(user), 0);
    if (!(await proveFactor(user, input.answer, deps))) {
      await deps.audit.record('mfa_failed', {
        ...requestFields(meta),
        userId: user.userId,
        outcome: 'failure',
        factor: input.answer.factor,
      });
      throw new InvalidGrantError('ERR_INVALID_CREDENTIALS', 'the second factor was not accepted');
    }
  }
  try {
    await deps.users.replacePassword(user.username, user.passwordHash, await deps.passwords.hash(input.newPassword), now, {
      resetHash: hash,
    });
  } catch (err) {
    if (err instanceof ConflictError) throw invalidLink();
    throw err;
  }
  // tokensValidAfter ends them all but those of this very second: end each session too.
  await revokeAllSessions(user.userId, now, 'password_reset', undefined, deps);
  await deps.audit.record('password_reset', { ...requestFields(meta), userId: user.userId, reason: 'email_link' });
  await notify({ ...user, emailVerified: true }, 'password_changed', (to, ctx) => passwordChangedMail(to, ctx), deps);
}

/** Mails a link that proves the user's address (at registration, or on request). */
export async function sendVerification(user: Pick<User, 'username' | 'userId' | 'email'>, deps: CoreDeps): Promise<void> {
  const mail = deps.mail;
  if (!mail || user.email === undefined) return;
  const now = epochSeconds(deps.now);
  const token = newLinkToken();
  const hash = hashLinkToken(token);
  await Promise.all([
    deps.attempts.putToken(`verify#${hash}`, user.username, now + VERIFY_LINK_HOURS * 3600),
    deps.users.setLinkHash(user.username, 'verify', hash),
  ]);
  await mail.sender.send(verifyAddressMail(user.email, token, mail.context));
}

/**
 * `POST /api/auth/email` with `{email}`, signed in: a confirmation link goes to the new address and
 * a notice to the old one; the change takes effect when the link is followed (and the address is
 * still free then). Needs a recent second factor where the account has one, and counts on the
 * mail limits.
 */
export async function changeEmail(caller: Caller, input: { email: string }, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  const mail = mailOf(deps);
  const now = epochSeconds(deps.now);
  const user = await deps.users.getUser(caller.username);
  if (!user || user.userId !== caller.sub) throw new NotFoundError('no such user');
  requireRecentMfa(caller, user, now);
  const email = normalizeEmail(input.email);
  if (email === user.email) throw new InvalidRequestError('this is the address the account has already');
  const keys = [`mail#to#${email.toLowerCase()}`, `mail#acct#${user.userId}`, `mail#ip#${meta.sourceIp ?? 'unknown'}`];
  await spendMailQuota(keys, [mail.perAddressPerHour, mail.perAddressPerHour, mail.perSourcePerHour], now, deps);
  const token = newLinkToken();
  const hash = hashLinkToken(token);
  await Promise.all([
    deps.attempts.putToken(`verify#${hash}`, user.username, now + VERIFY_LINK_HOURS * 3600),
    deps.users.requestEmailChange(user.username, email, hash),
  ]);
  await mail.sender.send(verifyAddressMail(email, token, mail.context));
  await notify(user, 'address_changed', (to, ctx) => addressChangedMail(to, email, ctx), deps);
  await deps.audit.record('email_change_requested', { ...requestFields(meta), userId: user.userId, sid: caller.sid });
}

/** `POST /api/auth/email/verify` with the link's token: the address is the owner's (one use). */
export async function verifyEmailAddress(input: { token: string }, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  mailOf(deps);
  const now = epochSeconds(deps.now);
  const hash = hashLinkToken(input.token);
  const owner = await deps.attempts.getTokenOwner(`verify#${hash}`, now);
  if (!owner) throw invalidLink();
  try {
    await deps.users.verifyEmail(owner, hash, now);
  } catch (err) {
    if (err instanceof ConflictError && err.message.includes('another account')) throw err;
    if (err instanceof ConflictError || err instanceof NotFoundError) throw invalidLink();
    throw err;
  }
  const user = await deps.users.getUser(owner);
  await deps.audit.record('email_verified', { ...requestFields(meta), userId: user?.userId });
}

/** Counts one mail against each key's hourly limit; `TooManyAttemptsError` once any is spent. */
async function spendMailQuota(keys: readonly string[], limits: readonly number[], now: number, deps: CoreDeps): Promise<void> {
  const records = await deps.attempts.read(keys, now);
  let wait = 0;
  keys.forEach((key, i) => {
    const r = records.get(key);
    if (r && 'failures' in r && r.failures >= (limits[i] ?? 0) && r.lastFailureAt > now - MAIL_WINDOW_SECONDS) {
      wait = Math.max(wait, r.lastFailureAt + MAIL_WINDOW_SECONDS - now);
    }
  });
  if (wait > 0) throw new TooManyAttemptsError(wait);
  await Promise.all(keys.map((key) => deps.attempts.recordFailure(key, now, MAIL_WINDOW_SECONDS)));
}

function tryOrUndefined<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (err instanceof InvalidRequestError) return undefined;
    throw err;
  }
}
