import { InvalidGrantError, InvalidRequestError } from '../errors';
import { logAuthEvent } from '../logger';
import { checkPasswordSize } from '../passwords';
import { normalizeUsername } from '../users-store';
import { openSession } from './sessions';
import type { CoreDeps, RequestMeta, TokenPair } from './types';

/** Credentials as the client sent them. */
export interface LoginInput {
  readonly username: string;
  readonly password: string;
}

/**
 * Checks a username and password and opens a session. Unknown user, wrong password and
 * disabled user fail alike, after the same bcrypt work (ASVS 6.3.8; OWASP Authentication
 * Cheat Sheet, "Authentication and Error Messages").
 */
export async function login(input: LoginInput, meta: RequestMeta, deps: CoreDeps): Promise<TokenPair> {
  checkPasswordSize(input.password);
  const username = tryNormalizeUsername(input.username);
  const user = username === undefined ? undefined : await deps.users.getUser(username);
  const passwordOk = await deps.passwords.verify(input.password, user);

  if (!user || !passwordOk || user.status !== 'active') {
    const reason = !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'user_disabled';
    logAuthEvent(deps.logger, 'login_failed', { requestId: meta.requestId, userId: user?.userId, reason });
    throw new InvalidGrantError('ERR_INVALID_CREDENTIALS', 'invalid username or password');
  }

  const pair = await openSession(user, meta, deps);
  logAuthEvent(deps.logger, 'login_succeeded', { requestId: meta.requestId, userId: user.userId });
  return pair;
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
