import { InsufficientAuthenticationError } from '../domain/errors';
import { hasSecondFactor, meetsStepUp, RECENT_MFA_SECONDS, stepUpChallenge } from '../domain/factors';
import type { User } from '../domain/users';
import type { Caller } from './deps';

/** The rule a sensitive change needs once the account has a second factor: a recent one. */
const RECENT_MFA = { mfa: true, maxAge: RECENT_MFA_SECONDS } as const;

/**
 * For a change that an attacker holding a session must not make (a password, a factor, the
 * recovery codes): once the account has a second factor, the caller's session must have proved
 * one in the last 15 minutes (RFC 9470; ASVS 6.5.x). Otherwise the RFC 9470 challenge.
 */
export function requireRecentMfa(caller: Pick<Caller, 'amr' | 'authTime'>, user: User, now: number): void {
  if (!hasSecondFactor(user)) return;
  if (!meetsStepUp(caller, RECENT_MFA, now)) throw new InsufficientAuthenticationError(stepUpChallenge(RECENT_MFA));
}
